"""The load generator delivers each prepared request once and counts what came back."""

from __future__ import annotations

import asyncio
import importlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def loadgen(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("loadgen")


class EchoServer:
    """A tiny HTTP/1.1 server: `/status/N` answers N, `/close` closes, `/hang` never answers.

    It records every request (target and body) and every connection it accepted.
    """

    def __init__(self) -> None:
        self.url = ""
        self.received: list[tuple[str, str, bytes]] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                request_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
                method, target, _ = request_line.split(" ")
                headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in lines)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append((method, target, body))
                path = target.split("?", 1)[0]
                if path == "/hang":
                    await asyncio.Event().wait()
                status = int(path.rsplit("/", 1)[1]) if path.startswith("/status/") else 200
                close = path == "/close"
                payload = body or target.encode()
                writer.write(
                    f"HTTP/1.1 {status} Status\r\nContent-Length: {len(payload)}\r\n".encode()
                    + (b"Connection: close\r\n" if close else b"")
                    + b"\r\n"
                    + payload
                )
                await writer.drain()
                if close:
                    return
        finally:
            writer.close()


@pytest.fixture
def server() -> Iterator[EchoServer]:
    echo = EchoServer()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        listener = loop.run_until_complete(asyncio.start_server(echo.handle, "127.0.0.1", 0))
        echo.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
        started.set()
        loop.run_forever()
        listener.close()
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(listener.wait_closed())
        loop.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    yield echo
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_each_prepared_request_is_sent_once_and_statuses_are_counted(
    loadgen: ModuleType, server: EchoServer
) -> None:
    targets = [f"/ok?nonce={i}" for i in range(60)] + [f"/status/404?n={i}" for i in range(15)]
    targets += [f"/status/503?n={i}" for i in range(5)]
    requests = [loadgen.HttpRequest("GET", t) for t in targets]

    result = loadgen.run_load(server.url, requests, concurrency=4)

    assert sorted(t for _, t, _ in server.received) == sorted(targets)
    assert result.sent == result.completed == 80
    assert result.errors == 0
    assert result.statuses == Counter({200: 60, 404: 15, 503: 5})
    assert server.connections == 4
    summary = result.to_dict()
    assert summary["statuses"] == {"200": 60, "404": 15, "503": 5}
    assert summary["p50_ms"] <= summary["p99_ms"] <= summary["max_ms"]


def test_bodies_and_presigned_bytes_reach_the_server(
    loadgen: ModuleType, server: EchoServer
) -> None:
    form = loadgen.HttpRequest(
        "POST",
        "/",
        (("Content-Type", "application/x-www-form-urlencoded"),),
        b"Action=GetCallerIdentity&SignatureNonce=1",
    )
    raw = b"GET /raw HTTP/1.1\r\nHost: example\r\n\r\n"

    result = loadgen.run_load(server.url, [form, raw], concurrency=1)

    assert result.statuses == Counter({200: 2})
    assert server.received == [
        ("POST", "/", b"Action=GetCallerIdentity&SignatureNonce=1"),
        ("GET", "/raw", b""),
    ]


def test_a_closed_connection_is_replaced(loadgen: ModuleType, server: EchoServer) -> None:
    requests = [loadgen.HttpRequest("GET", "/close")] * 10

    result = loadgen.run_load(server.url, requests, concurrency=2)

    assert result.completed == 10
    assert result.errors == 0
    assert server.connections == 10


def test_open_loop_sends_every_request_at_the_offered_rate(
    loadgen: ModuleType, server: EchoServer
) -> None:
    requests = [loadgen.HttpRequest("GET", f"/ok?n={i}") for i in range(40)]

    result = loadgen.run_load(server.url, requests, concurrency=4, rate=2000.0)

    assert result.offered_rate == 2000.0
    assert result.completed == 40
    assert result.statuses == Counter({200: 40})


def test_a_timed_run_cycles_a_repeated_request_until_time_is_up(
    loadgen: ModuleType, server: EchoServer
) -> None:
    result = loadgen.run_load(
        server.url, [loadgen.HttpRequest("GET", "/ok")], concurrency=2, duration=0.2, repeat=True
    )

    assert result.completed == result.sent == len(server.received) > 0
    assert result.statuses == Counter({200: result.completed})


def test_refused_connections_and_timeouts_are_errors(
    loadgen: ModuleType, server: EchoServer
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    refused = loadgen.run_load(
        f"http://127.0.0.1:{closed_port}", [loadgen.HttpRequest("GET", "/")] * 5, concurrency=1
    )
    hung = loadgen.run_load(
        server.url, [loadgen.HttpRequest("GET", "/hang")], concurrency=1, timeout=0.2
    )

    assert (refused.sent, refused.errors, refused.completed) == (5, 5, 0)
    assert (hung.sent, hung.errors, hung.completed) == (1, 1, 0)
    assert not refused.statuses and not hung.statuses


def test_encoding_adds_host_and_content_length(loadgen: ModuleType) -> None:
    request = loadgen.HttpRequest("POST", "/?a=1", (("X-Acs-Action", "AssumeRole"),), b"k=v")

    wire = loadgen.encode_request(request, "sts.local:8000")

    assert wire == (
        b"POST /?a=1 HTTP/1.1\r\nHost: sts.local:8000\r\nX-Acs-Action: AssumeRole\r\n"
        b"Content-Length: 3\r\n\r\nk=v"
    )


def test_asking_for_more_requests_than_prepared_is_refused(loadgen: ModuleType) -> None:
    with pytest.raises(ValueError, match="only 1 prepared"):
        loadgen.run_load("http://127.0.0.1:9", [b"GET / HTTP/1.1\r\n\r\n"], total=2)
