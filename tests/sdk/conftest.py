"""A live ramsts server for tests that drive Alibaba's own SDKs over real HTTP.

``live_server`` starts uvicorn in a thread on a free loopback port, over a fresh database on each
store (it follows ``db_url``, so every test using it runs on SQLite and on PostgreSQL), with one
account whose root AccessKey the test can use::

    def test_x(live_server: LiveServer) -> None:
        config = Config(access_key_id=live_server.access_key_id,
                        access_key_secret=live_server.access_key_secret,
                        endpoint=live_server.endpoint, protocol="http")

``live_server.services`` is the server's own :class:`~ramsts.services.Services`, for arranging
state (users, roles, keys) through the same services the API uses.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import Services, build_services, create_server_app

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


def _start(services: Services) -> tuple[uvicorn.Server, threading.Thread, int]:
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


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    settings = Settings(db_url=db_url, data_dir=tmp_path)
    services = build_services(settings, env={MASTER_KEY_ENV: MasterKey.generate().encoded()})
    created = services.accounts.create_account("sdk-tests")
    server, thread, port = _start(services)
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
