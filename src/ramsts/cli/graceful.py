"""Serving until SIGTERM (or SIGINT), then stopping gracefully, as a load balancer needs:

1. the server is no longer ready (``/health/ready`` answers 503, see :mod:`ramsts.api.health`)
   and stops accepting connections, so the load balancer sends its calls elsewhere;
2. the requests it is answering are finished, for up to ``--shutdown-timeout`` seconds
   (uvicorn's ``timeout_graceful_shutdown``), then whatever remains is cancelled, so that a
   client cannot keep the server from stopping;
3. the store is closed: the nonce writer finishes the batch it is writing, and every pooled
   connection is closed;

and the process exits 0.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import uvicorn

from ramsts.api.health import Readiness
from ramsts.cli.http_protocol import server_options
from ramsts.config import TransportSettings
from ramsts.services import Services, create_server_app, freeze_start_up_objects

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulServer(uvicorn.Server):
    """uvicorn's server, which also tells ``readiness`` when a signal asks it to stop."""

    def __init__(self, config: uvicorn.Config, readiness: Readiness) -> None:
        super().__init__(config)
        self._readiness = readiness

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._readiness.stop()
        super().handle_exit(sig, frame)

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's, less its raising the signal again once the server has stopped: that would
        end the process by SIGTERM before the store is closed (its queued nonces written, its
        connections closed) and exit 143. A stop that was asked for is a clean exit, 0."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve_until_stopped(
    services: Services,
    options: dict[str, Any],
    transport: TransportSettings,
    sockets: list[socket.socket] | None = None,
) -> bool:
    """Serve ``services`` with uvicorn's ``options`` (on ``sockets`` if given) until a signal
    stops the server, then close them; whether the server started at all (it may not, if it
    cannot listen)."""
    try:
        readiness = Readiness(services.store.check_writable)
        app = create_server_app(services, readiness=readiness)
        freeze_start_up_objects()
        config = uvicorn.Config(app, **options, **server_options(transport))
        server = GracefulServer(config, readiness)
        server.run(sockets=sockets)
        return server.started
    finally:
        services.close()
