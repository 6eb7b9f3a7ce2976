"""The remote guard's HTTP/1.1 client on the event loop: keep-alive connections to one ramsts
server, one request at a time on each.

A remote guard makes one ``VerifyRequest`` call per request it guards, so the client's own cost is
paid on every request. httpx, in worker threads, cost about 1.8 ms of CPU per call, more than
the rest of the guard and the HTTP server together; httpx's AsyncClient cost more still
(measured with ``bench/guard_bench.py``). This client does only what the call needs: a POST with
a body; an answer with ``Content-Length``, chunked, or ending where the server closes the
connection; keep-alive; TLS for ``https`` endpoints.

A call that failed before any byte of the answer arrived (a pooled connection the server had
dropped, a refused connect) says so (:attr:`CallFailed.never_answered`): the caller may send it
again, freshly signed, on a new connection (``fresh=True``).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 1024 * 1024
"""Largest answer read; a VerifyRequest answer is a few hundred bytes."""


class CallFailed(Exception):
    """The call got no complete answer. ``never_answered``: not a byte of one arrived, so it may
    be sent again."""

    def __init__(self, message: str, *, never_answered: bool) -> None:
        super().__init__(message)
        self.never_answered = never_answered


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float

    def close(self) -> None:
        self.writer.close()


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a server is, read once from its URL and shared by the clients of every loop."""

    host: str
    port: int
    tls: ssl.SSLContext | None
    authority: bytes
    """The ``Host`` header's value."""

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """``http://host[:port]`` or ``https://…``; :class:`ValueError` for anything else."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {url!r}")
        return cls(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            ssl.create_default_context() if parts.scheme == "https" else None,
            parts.netloc.encode("idna"),
        )


class KeepAliveClient:
    """Connections to ``endpoint`` for one event loop; use it only from that loop."""

    def __init__(self, endpoint: Endpoint, *, timeout: float, keepalive_expiry: float) -> None:
        self._endpoint = endpoint
        self._timeout = timeout
        self._keepalive_expiry = keepalive_expiry
        self._idle: deque[_Connection] = deque()

    async def post(
        self, target: str, headers: list[tuple[str, str]], body: bytes, *, fresh: bool = False
    ) -> tuple[int, bytes]:
        """POST ``body`` to ``target`` (path and query) on a pooled connection, or a new one if
        ``fresh``; the status and body of the answer. Raises :class:`CallFailed` or
        :class:`TimeoutError`; never sends twice."""
        request = self._request_head(target, headers, len(body)) + body
        async with asyncio.timeout(self._timeout):
            connection = await self._connection(fresh=fresh)
            return await self._exchange(connection, request)

    def close(self) -> None:
        """Close the idle connections (call on the client's loop, or after it has stopped)."""
        while self._idle:
            with suppress(RuntimeError):  # the loop is closed: so are its sockets
                self._idle.pop().close()

    def _request_head(self, target: str, headers: list[tuple[str, str]], length: int) -> bytes:
        lines = [f"POST {target} HTTP/1.1".encode("latin-1"), b"Host: " + self._endpoint.authority]
        lines += [f"{name}: {value}".encode("latin-1") for name, value in headers]
        lines.append(b"Content-Length: %d" % length)
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def _connection(self, *, fresh: bool) -> _Connection:
        """An idle connection still fresh enough to use, else a new one."""
        now = time.monotonic()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if now - connection.idle_since < self._keepalive_expiry and not (
                connection.writer.is_closing() or connection.reader.at_eof()
            ):
                return connection
            connection.close()
        endpoint = self._endpoint
        try:
            reader, writer = await asyncio.open_connection(
                endpoint.host,
                endpoint.port,
                ssl=endpoint.tls,
                server_hostname=endpoint.host if endpoint.tls else None,
            )
        except OSError as error:
            raise CallFailed(f"cannot connect: {error}", never_answered=True) from None
        return _Connection(reader, writer, now)

    async def _exchange(self, connection: _Connection, request: bytes) -> tuple[int, bytes]:
        try:
            connection.writer.write(request)
            try:
                await connection.writer.drain()
            except OSError as error:
                raise CallFailed(f"sending failed: {error}", never_answered=True) from None
            status, body, keep = await _read_response(connection.reader)
        except BaseException:
            connection.close()
            raise
        if keep:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return status, body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the connection may be kept, of one HTTP/1.1 response."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as closed:
        raise CallFailed(
            "the server closed the connection", never_answered=not closed.partial
        ) from None
    except (OSError, asyncio.LimitOverrunError) as error:
        raise CallFailed(f"reading the answer failed: {error}", never_answered=False) from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise CallFailed(f"not an HTTP/1.1 answer: {lines[0][:80]!r}", never_answered=False)
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            fields[name.strip().lower()] = value.strip()
    try:
        if fields.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        elif "content-length" in fields:
            length = int(fields["content-length"])
            if not 0 <= length <= MAX_RESPONSE_BYTES:
                raise ValueError(length)
            body = await reader.readexactly(length)
        else:  # the answer ends where the server closes the connection (as HTTP/1.0 allows)
            body = await _read_to_close(reader)
            return int(parts[1]), body, False
    except (ValueError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
        raise CallFailed(f"reading the answer failed: {error!r}", never_answered=False) from None
    keep = parts[0] == "HTTP/1.1" and fields.get("connection", "").lower() != "close"
    return int(parts[1]), body, keep


async def _read_to_close(reader: asyncio.StreamReader) -> bytes:
    body = await reader.read(MAX_RESPONSE_BYTES + 1)
    while not reader.at_eof() and len(body) <= MAX_RESPONSE_BYTES:
        body += await reader.read(MAX_RESPONSE_BYTES + 1 - len(body))
    if len(body) > MAX_RESPONSE_BYTES:
        raise ValueError(len(body))
    return body


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        length = int(line.split(b";", 1)[0].strip(), 16)
        if length == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, if any
                pass
            return b"".join(chunks)
        size += length
        if size > MAX_RESPONSE_BYTES:
            raise ValueError(size)
        chunks.append(await reader.readexactly(length))
        await reader.readexactly(2)
