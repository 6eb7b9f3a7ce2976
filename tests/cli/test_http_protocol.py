"""The HTTP protocol ``ramsts serve`` runs: uvicorn's, with each response written in one piece.
What clients receive must be exactly what plain uvicorn sends."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ramsts.cli.demo import serving

CHUNK = b"0123456789abcdef" * 4096  # 64 KiB


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echoes the body on POST; on GET /stream, sends 16 chunks of 64 KiB."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(16):
            await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serving(app) as port:
        yield port


def test_keep_alive_requests_on_one_connection_each_get_their_own_answer(port):
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
        answers = [client.post("/", content=f"request {i}".encode()).text for i in range(5)]

    assert answers == [f"request {i}" for i in range(5)]


def test_a_streamed_megabyte_arrives_whole_and_in_order(port):
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
        response = client.get("/stream")

    assert response.content == CHUNK * 16


def test_a_request_that_asks_to_close_is_answered_before_the_close(port):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk

    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == b"hello"


def test_expect_100_continue_gets_its_interim_answer(port):
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(10)
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"
        )
        interim = sock.recv(65536)
        sock.sendall(b"ok")
        final = b""
        while not final.endswith(b"ok"):
            final += sock.recv(65536)

    assert interim.startswith(b"HTTP/1.1 100 Continue")
    assert final.startswith(b"HTTP/1.1 200") and final.endswith(b"\r\n\r\nok")
