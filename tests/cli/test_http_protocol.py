"""The HTTP protocol ``ramsts serve`` runs: uvicorn's, with each response written in one piece.
What clients receive must be exactly what plain uvicorn sends."""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from ramsts.cli.demo import serving
from ramsts.cli.http_protocol import TLS_CLOSE_GRACE, CoalescingHttpProtocol
from ramsts.crypto.dev_certificate import (
    DevCertificateFiles,
    make_dev_certificate,
    write_dev_certificate,
)

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


# -- stopping over TLS ---------------------------------------------------------------------------


async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers ``done`` after 2 seconds on /slow, at once otherwise."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        await asyncio.sleep(2 * TLS_CLOSE_GRACE)
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"4")]}
    )
    await send({"type": "http.response.body", "body": b"done"})


@contextmanager
def tls_server(
    certs: DevCertificateFiles,
) -> Iterator[tuple[uvicorn.Server, threading.Thread, int]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        slow_app,
        log_config=None,
        lifespan="off",
        http=CoalescingHttpProtocol,
        ssl_certfile=certs.cert_file,
        ssl_keyfile=certs.key_file,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    try:
        yield server, thread, int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> DevCertificateFiles:
    made = make_dev_certificate(datetime.now(UTC))
    return write_dev_certificate(made, tmp_path_factory.mktemp("tls"))


def tls_connection(certs: DevCertificateFiles, port: int) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=certs.ca_file)
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)


def test_an_idle_tls_connection_does_not_hold_up_a_stop(certs: DevCertificateFiles) -> None:
    # asyncio waits 30 seconds for the close_notify that a pooled, idle client never sends.
    with tls_server(certs) as (server, thread, port), closing(tls_connection(certs, port)) as idle:
        idle.request("GET", "/")
        assert idle.getresponse().read() == b"done"  # and the connection stays open, idle
        started = time.monotonic()
        server.should_exit = True
        thread.join(timeout=60)
        assert time.monotonic() - started < 10 * TLS_CLOSE_GRACE


def test_a_tls_response_being_made_at_a_stop_is_still_delivered(
    certs: DevCertificateFiles,
) -> None:
    with tls_server(certs) as (server, thread, port), closing(tls_connection(certs, port)) as busy:
        busy.request("GET", "/slow")
        time.sleep(TLS_CLOSE_GRACE / 2)
        server.should_exit = True
        assert busy.getresponse().read() == b"done"
        thread.join(timeout=60)
        assert not thread.is_alive()
