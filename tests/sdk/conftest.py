"""A live ramsts server for tests that drive Alibaba's own SDKs over real HTTP.

``live_server`` starts uvicorn in a thread on a free loopback port, over a fresh database on each
store (it follows ``db_url``, so every test using it runs on SQLite and on PostgreSQL), with one
account whose root AccessKey the test can use::

    from live_server import LiveServer

    def test_x(live_server: LiveServer) -> None:
        config = Config(access_key_id=live_server.access_key_id,
                        access_key_secret=live_server.access_key_secret,
                        endpoint=live_server.endpoint, protocol="http")

``live_server.services`` is the server's own :class:`~ramsts.services.Services`, for arranging
state (users, roles, keys) through the same services the API uses. Import ``LiveServer`` from
``live_server``, never from ``conftest`` (several conftest modules share that name).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import LiveServer, serving

from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import build_services


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    settings = Settings(db_url=db_url, data_dir=tmp_path)
    services = build_services(settings, env={MASTER_KEY_ENV: MasterKey.generate().encoded()})
    with serving(services, "sdk-tests") as server:
        yield server
