"""The remote guard's client on the event loop, against a real socket server that answers as told.

What the guard needs from it: answers read whole (Content-Length or chunked), connections kept
and reused unless the server says close, a failure before any byte of an answer told apart from
one after (only the first may be sent again), and a timeout. Then, through RemoteVerifier: a
call on a connection the server had dropped is sent again freshly signed; one the server began
to answer is not.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette
from starlette.types import Message
from verification_answers import ALLOWED, guarded_request

from ramsts.errors import ServiceError
from ramsts.guard import Guard, GuardMiddleware, RemoteVerifier, Target
from ramsts.guard.remote_client import CallFailed, Endpoint, KeepAliveClient
from ramsts.types import Secret

OK = json.dumps(ALLOWED).encode()

Answer = Callable[[asyncio.StreamWriter, int], Awaitable[bool]]
"""Given the connection and the number of the call (from 1), answer it; whether to keep
serving the connection."""


def content_length(body: bytes = OK, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), extra) + body


@dataclass
class Server:
    answer: Answer
    connections: int = 0
    closed: int = 0
    calls: int = 0
    nonces: list[str] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                fields = dict(
                    line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if line
                )
                await reader.readexactly(int(fields["Content-Length"]))
                target = head.split(b" ")[1].decode()
                self.nonces += parse_qs(urlsplit(target).query).get("SignatureNonce", [])
                self.calls += 1
                if not await self.answer(writer, self.calls):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            self.closed += 1  # by the client
        finally:
            writer.close()


def run(answer: Answer, scenario: Callable[[str, Server], Awaitable[None]]) -> Server:
    server = Server(answer)

    async def main() -> None:
        listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        async with listening:
            await scenario(f"http://127.0.0.1:{port}", server)

    asyncio.run(main())
    return server


def client(url: str, timeout: float = 5.0) -> KeepAliveClient:
    return KeepAliveClient(Endpoint.parse(url), timeout=timeout, keepalive_expiry=2.0)


async def answer_ok(writer: asyncio.StreamWriter, call: int) -> bool:
    writer.write(content_length())
    return True


def test_answers_are_read_whole_and_the_connection_is_kept() -> None:
    async def scenario(url: str, server: Server) -> None:
        pool = client(url)
        for _ in range(3):
            assert await pool.post("/?A=1", [("Content-Type", "text/plain")], b"x") == (200, OK)
        pool.close()

    server = run(answer_ok, scenario)
    assert (server.calls, server.connections) == (3, 1)


def test_a_chunked_answer_is_read_whole() -> None:
    async def chunked(writer: asyncio.StreamWriter, call: int) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        writer.write(b"5\r\n" + OK[:5] + b"\r\n%x\r\n" % (len(OK) - 5) + OK[5:] + b"\r\n0\r\n\r\n")
        return True

    async def scenario(url: str, server: Server) -> None:
        pool = client(url)
        assert await pool.post("/", [], b"") == (200, OK)
        assert await pool.post("/", [], b"") == (200, OK)
        pool.close()

    assert run(chunked, scenario).connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        content_length(extra=b"Connection: close\r\n"),
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + OK,  # no length
    ],
    ids=["connection-close", "ends-at-close"],
)
def test_an_answer_the_server_ends_by_closing_is_read_and_its_connection_not_reused(
    answer: bytes,
) -> None:
    async def closing(writer: asyncio.StreamWriter, call: int) -> bool:
        writer.write(answer)
        return False

    async def scenario(url: str, server: Server) -> None:
        pool = client(url)
        for _ in range(2):
            assert await pool.post("/", [], b"") == (200, OK)
        pool.close()

    assert run(closing, scenario).connections == 2


@pytest.mark.parametrize(
    ("answer_bytes", "never_answered"),
    [(b"", True), (b"HTTP/1.1 200 OK\r\nContent-Le", False), (content_length()[:-3], False)],
    ids=["closed-unanswered", "closed-in-the-head", "closed-in-the-body"],
)
def test_a_failure_says_whether_any_of_an_answer_came(
    answer_bytes: bytes, never_answered: bool
) -> None:
    async def cut(writer: asyncio.StreamWriter, call: int) -> bool:
        writer.write(answer_bytes)
        await writer.drain()
        return False

    async def scenario(url: str, server: Server) -> None:
        with pytest.raises(CallFailed) as failed:
            await client(url).post("/", [], b"")
        assert failed.value.never_answered is never_answered

    run(cut, scenario)


def test_a_refused_connection_was_never_answered() -> None:
    async def scenario(url: str, server: Server) -> None:
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(CallFailed) as failed:
            await client(f"http://127.0.0.1:{port}").post("/", [], b"")
        assert failed.value.never_answered

    async def main() -> None:
        listening = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        listening.close()
        await listening.wait_closed()
        await scenario(f"http://127.0.0.1:{port}", Server(answer_ok))

    asyncio.run(main())


def test_a_server_that_does_not_answer_times_out() -> None:
    async def silent(writer: asyncio.StreamWriter, call: int) -> bool:
        await asyncio.sleep(5)
        return False

    async def scenario(url: str, server: Server) -> None:
        with pytest.raises(TimeoutError):
            await client(url, timeout=0.2).post("/", [], b"")

    run(silent, scenario)


# -- through RemoteVerifier ----------------------------------------------------------------------


def verify_twice(url: str) -> Awaitable[list[bool]]:
    async def both() -> list[bool]:
        verifier = RemoteVerifier(url, "LTAI5tSERVICEKEY", Secret("service-secret"), cache_ttl=0)
        try:
            results = []
            for _ in range(2):
                result = await Guard(verifier).decide_async(guarded_request(), "iot:QueryProduct")
                results.append(result.allowed)
            return results
        finally:
            verifier.close()

    return both()


def test_a_call_on_a_connection_the_server_dropped_is_sent_again_freshly_signed() -> None:
    async def answer_then_drop(writer: asyncio.StreamWriter, call: int) -> bool:
        if call == 2:
            return False  # the kept connection is closed as the second call arrives
        writer.write(content_length())
        return True

    async def scenario(url: str, server: Server) -> None:
        assert await verify_twice(url) == [True, True]

    server = run(answer_then_drop, scenario)
    assert server.calls == 3 and len(set(server.nonces)) == 3


def test_a_call_the_server_began_to_answer_is_not_sent_again() -> None:
    async def cut_in_the_body(writer: asyncio.StreamWriter, call: int) -> bool:
        writer.write(content_length()[:-3])
        await writer.drain()
        return False

    async def scenario(url: str, server: Server) -> None:
        verifier = RemoteVerifier(url, "LTAI5tSERVICEKEY", Secret("service-secret"))
        with pytest.raises(ServiceError) as refused:
            await Guard(verifier).decide_async(guarded_request(), "iot:QueryProduct")
        assert (refused.value.code, refused.value.http_status) == ("ServiceUnavailable", 503)
        verifier.close()

    assert run(cut_in_the_body, scenario).calls == 1


def test_an_endpoint_it_could_not_call_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="not an http"):
        RemoteVerifier("ftp://ramsts.test", "LTAI5tSERVICEKEY", Secret("service-secret"))


def test_the_middleware_closes_the_guards_connections_at_shutdown() -> None:
    async def scenario(url: str, server: Server) -> None:
        verifier = RemoteVerifier(url, "LTAI5tSERVICEKEY", Secret("service-secret"))
        guard = Guard(verifier)
        await guard.check_async(guarded_request(), "iot:QueryProduct", "*", {})
        app = GuardMiddleware(
            Starlette(),
            guard,
            lambda signed: Target("iot:QueryProduct"),
            host_id="h",
            product_code="P",
        )
        lifespan = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
        sent: list[str] = []

        async def receive() -> Message:
            return next(lifespan)

        async def send(message: Message) -> None:
            sent.append(message["type"])

        await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
        for _ in range(100):  # the server notices the close on its next read
            if server.closed:
                break
            await asyncio.sleep(0.01)
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        verifier.close()

    server = run(answer_ok, scenario)
    assert (server.connections, server.closed) == (1, 1)
