"""The live ramsts server that SDK tests drive over real HTTP (see ``conftest.py``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from ramsts.services import Services, create_server_app

STARTUP_TIMEOUT = 10.0


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int
    account_id: str
    access_key_id: str
    access_key_secret: str
    services: Services

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``, the form the SDKs take as their endpoint."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"


def start_server(services: Services) -> tuple[uvicorn.Server, threading.Thread, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        create_server_app(services),
        log_config=None,
        access_log=False,
        proxy_headers=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    return server, thread, port


@contextmanager
def serving(services: Services, account_name: str) -> Iterator[LiveServer]:
    """``services`` served on a free loopback port, with a new account of ``account_name``;
    the server stopped and the services closed afterwards."""
    created = services.accounts.create_account(account_name)
    server, thread, port = start_server(services)
    try:
        yield LiveServer(
            host="127.0.0.1",
            port=port,
            account_id=created.account_id,
            access_key_id=created.access_key_id,
            access_key_secret=created.access_key_secret.reveal(),
            services=services,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        services.close()
