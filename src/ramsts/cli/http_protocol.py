"""uvicorn's HTTP protocol as every ramsts front door runs it (``ramsts serve``, ``ramsts
demo-iot``, ``ramsts demo``'s server, :mod:`ramsts.testing`): :func:`server_options`.

**The client's address.** uvicorn's own proxy-header handling is off: it trusts loopback by
default and widens to whatever ``FORWARDED_ALLOW_IPS`` says. Instead the scope's ``client`` and
``scheme`` follow :func:`ramsts.ram.client_address.client_address`: the TCP peer, unless the peer
is a proxy the operator named (``--trusted-proxies``). Everything downstream (the API, the
console, the guard) reads ``acs:SourceIp`` and ``acs:SecureTransport`` from there.

**Slow clients.** Each connection counts against its server's :class:`ConnectionBound`, which
closes a connection that takes longer than the header timeout to send a request head and keeps
the number of connections under a bound (:mod:`ramsts.cli.connections`). A request head is also
bounded in size (:data:`MAX_HEAD_BYTES`): the parser holds a header until its end, and a fast
client could otherwise fill memory with one before the header timeout.

**One write per response.**
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
from typing import Any, ClassVar, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ramsts.cli.connections import ConnectionBound, connection_limit
from ramsts.config import TransportSettings
from ramsts.ram.client_address import ClientAddress, client_address, is_trusted, peer_address

TLS_CLOSE_GRACE = 1.0
"""Seconds a TLS connection closed at shutdown may wait for the client's ``close_notify``."""

MAX_HEAD_BYTES = 256 * 1024
"""The largest request head read: room for the largest query an SDK sends (AssumeRoleWithSAML's
100,000-character SAMLAssertion, percent-encoded, in the Tea client's query) with headers. Larger
ones are answered 431."""

PARSED_URL_BYTES = 0xFFFF
"""The longest request target httptools parses (its offsets are 16-bit): a longer one has its
query split off before, and put back after (:meth:`FrontDoorProtocol.on_headers_complete`)."""

_HEAD_TOO_LARGE = b"Request header fields too large."
_HEAD_TOO_LARGE_ANSWER = b"".join(
    [
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: %d\r\n" % len(_HEAD_TOO_LARGE),
        b"connection: close\r\n\r\n",
        _HEAD_TOO_LARGE,
    ]
)


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


class FrontDoorProtocol(CoalescingHttpProtocol):
    """The protocol of one server: :func:`front_door_protocol` makes a subclass per server, with
    its settings and its :class:`ConnectionBound`."""

    settings: ClassVar[TransportSettings] = TransportSettings()
    bound: ClassVar[ConnectionBound]

    _from_proxy = False
    _reading_head = True
    """Whether the bytes that arrive belong to a request head (not to a body)."""
    _head_bytes = 0
    _heads = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.client is not None:
            address = peer_address(self.client[0])
            if address is not None:  # the plain form, IPv4 out of an IPv4-mapped IPv6 address
                self.client = (str(address), self.client[1])
            self._from_proxy = is_trusted(address, self.settings.trusted_proxies)
        if not self.bound.admit(self, self.loop.time()):
            self.transport.close()
            return
        self.bound.keep_sweeping(self.loop)

    def data_received(self, data: bytes) -> None:
        heads = self._heads
        super().data_received(data)
        if self._heads != heads:
            # A head ended in this piece; what may follow it is counted from the next piece on,
            # so the count never takes a body's bytes for a head's.
            self._head_bytes = 0
        elif self._reading_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                if self.cycle is None or self.cycle.response_complete:  # not mid-answer
                    self.transport.write(_HEAD_TOO_LARGE_ANSWER)
                self.transport.close()

    def on_message_complete(self) -> None:
        self.bound.busy(self)
        super().on_message_complete()
        self._reading_head = True

    def on_headers_complete(self) -> None:
        self._heads += 1
        self._reading_head = False
        self.bound.receiving_body(self, self.loop.time())
        if self._from_proxy and self.client is not None:
            peer = ClientAddress(self.client[0], self.client[1], self.scheme == "https")
            client = client_address(peer, self.headers, self.settings.trusted_proxies)
            self.scope["client"] = (client.host, client.port) if client.host else None
            self.scope["scheme"] = "https" if client.secure else "http"
        query = b""
        if len(self.url) > PARSED_URL_BYTES and self.url.startswith(b"/"):
            self.url, _, query = self.url.partition(b"?")
        super().on_headers_complete()
        if query:
            # The request's task is created but has not run: it reads the scope from here on.
            self.scope["query_string"] = query

    def on_response_complete(self) -> None:
        queued = bool(self.pipeline)  # a pipelined request whose head is already complete
        super().on_response_complete()
        if not queued and not self.transport.is_closing():
            self.bound.waiting(self, self.loop.time())

    def connection_lost(self, exc: Exception | None) -> None:
        self.bound.release(self)
        super().connection_lost(exc)

    def close_connection(self) -> None:
        """Close a connection that waited too long for a request head, or must make room. It has
        nothing to send, so it is aborted: a TLS close would keep its socket until the client
        answered the close (asyncio waits 30 seconds), and the point is to free it now."""
        self.transport.abort()


def front_door_protocol(settings: TransportSettings) -> type[FrontDoorProtocol]:
    """A :class:`FrontDoorProtocol` class for one server (uvicorn's ``http`` option)."""
    limit = connection_limit(settings.max_connections)

    class ServerProtocol(FrontDoorProtocol):
        pass

    ServerProtocol.settings = settings
    ServerProtocol.bound = ConnectionBound(limit, settings.header_timeout)
    return ServerProtocol


def server_options(settings: TransportSettings) -> dict[str, Any]:
    """The uvicorn options every front door shares; build them in the process that serves."""
    return {
        "http": front_door_protocol(settings),
        # The client's address is FrontDoorProtocol's to set, never uvicorn's.
        "proxy_headers": False,
        # No product speaks WebSocket; an upgraded connection would leave the bound's count.
        "ws": "none",
        # uvicorn's access log prints the request line, whose query carries Signature and
        # SecurityToken; the API logs its own line, without credentials.
        "access_log": False,
        "server_header": False,
        # Less than ``ramsts serve --workers`` gives a worker to stop (see ramsts.cli.workers).
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }
