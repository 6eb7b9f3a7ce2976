"""A TCP forwarder the test controls, between a ramsts server and its PostgreSQL server: the
outage is made here, never by stopping the shared PostgreSQL (other tests use it).

    forwarder = TcpForwarder(("127.0.0.1", 5432))     # listens on forwarder.port
    forwarder.cut()          # the listener closed, every connection through it reset
    forwarder.restore()      # listening again on the same port, forwarding as before
    forwarder.stall()        # listening, but connections are held silent (a hung network)
    forwarder.cut()          # when done: nothing left listening or connected
"""

from __future__ import annotations

import socket
import struct
import threading
from contextlib import suppress

CHUNK = 65536


class TcpForwarder:
    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._stalled = False
        self.port = 0
        self.accepted = 0
        """Connections accepted so far (each a connection attempt of the server's)."""
        self._listen()

    def cut(self) -> None:
        """Stop listening (new connections are refused) and reset every open connection."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, set()
        if listener is not None:
            # shutdown() first: on Linux it wakes the thread blocked in accept(), which close()
            # alone would not, and that thread would keep the port bound.
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for connection in connections:
            _reset(connection)

    def restore(self) -> None:
        """Listen again on the same port, forwarding new connections."""
        self._stalled = False
        if self._listener is None:
            self._listen()

    def stall(self) -> None:
        """Accept connections (after a :meth:`cut`, the port listens again) but neither forward
        nor answer them: a database whose network hangs."""
        self._stalled = True
        if self._listener is None:
            self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by cut()
                return
            with self._lock:
                if self._listener is not listener:
                    _reset(client)
                    return
                self._connections.add(client)
                self.accepted += 1
            if self._stalled:
                continue  # held open, never answered, until the next cut()
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections.add(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(CHUNK):
            sink.sendall(chunk)
    except OSError:
        pass
    _reset(sink)


def _reset(connection: socket.socket) -> None:
    """Close at once, as a crashed server does; shutdown() wakes the thread reading it."""
    with suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        connection.close()
