"""uvicorn's HTTP protocol, with each response written to the socket in one piece.

uvicorn writes a response's status line and headers as soon as the application sends
``http.response.start``, and its body on ``http.response.body``: two ``send`` system calls, and
on the loopback two trips through the network stack and two wake-ups of the client, for
responses of a few hundred bytes. A ramsts answer is small and is sent in one go, so the second
write follows the first within the same turn of the event loop; holding writes until the end of
that turn sends both at once. Measured on a 2-core machine, this alone takes a minimal ASGI
application from about 11,000 to about 22,000 responses a second.

Nothing is held longer than the current turn of the loop, and closing the connection sends what
is held first, so what the client receives, and in what order, is unchanged.

At shutdown, a TLS connection whose client does not answer the close within a second is aborted
(:meth:`CoalescingHttpProtocol.shutdown`), so that idle pooled connections cannot hold up a stop.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

TLS_CLOSE_GRACE = 1.0
"""Seconds a TLS connection closed at shutdown may wait for the client's ``close_notify``."""


class CoalescingTransport:
    """A transport whose writes within one turn of the event loop leave in one ``send``."""

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._held:
            self._loop.call_soon(self._flush)
        self._held.append(bytes(data))

    def writelines(self, pieces: Any) -> None:
        for piece in pieces:
            self.write(piece)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def _flush(self) -> None:
        held, self._held = self._held, []
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def __getattr__(self, name: str) -> Any:
        # Everything else (extra info, reading and writing flow control, abort) is the
        # socket transport's own.
        return getattr(self._transport, name)


class CoalescingHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a :class:`CoalescingTransport`. Pass it as uvicorn's
    ``http`` option (``uvicorn.run(app, http=CoalescingHttpProtocol)``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        socket_transport = cast(asyncio.Transport, transport)
        coalescing: Any = CoalescingTransport(socket_transport, asyncio.get_running_loop())
        super().connection_made(coalescing)

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown, bounded over TLS. Closing a TLS connection waits for the
        client's ``close_notify``, which a client holding an idle connection in its pool never
        sends, so each such connection would hold up the stop for asyncio's 30-second TLS
        shutdown timeout (longer than ``ramsts serve`` waits for a worker). A TLS connection
        still closing :data:`TLS_CLOSE_GRACE` seconds after it was closed is aborted; one whose
        response is still being made is left to finish it first."""
        super().shutdown()
        if self.scheme == "https":
            self.loop.call_later(TLS_CLOSE_GRACE, self._abort_if_still_closing)

    def _abort_if_still_closing(self) -> None:
        if self not in self.connections:
            return
        if self.transport.is_closing():
            self.transport.abort()
        else:
            self.loop.call_later(TLS_CLOSE_GRACE, self._abort_if_still_closing)
