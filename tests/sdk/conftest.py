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
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501.client import Client as RamClient
from ims_clients import ims_client, ram_client
from live_server import LiveServer, serving

from fresh_databases import PostgresSchemas, migrated_sqlite_file
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import build_services


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    yield from _serving(db_url, tmp_path)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """As ``live_server``, one for a whole module on each store: cheaper, for tests that keep
    out of each other's way (names of their own, state put back)."""
    directory = tmp_path_factory.mktemp("server")
    if request.param == "sqlite":
        yield from _serving(f"sqlite:///{migrated_sqlite_file(directory / 'ramsts.db')}", directory)
    else:
        schemas: PostgresSchemas = request.getfixturevalue("postgres_databases")
        with schemas.empty() as url:
            yield from _serving(url, directory)


def _serving(db_url: str, directory: Path) -> Iterator[LiveServer]:
    settings = Settings(db_url=db_url, data_dir=directory)
    services = build_services(settings, env={MASTER_KEY_ENV: MasterKey.generate().encoded()})
    with serving(services, "sdk-tests") as server:
        yield server


@pytest.fixture(scope="module")
def ims_root(module_live_server: LiveServer) -> ImsClient:
    """alibabacloud-ims20190815 on the module's server, signed with its root's AccessKey."""
    return ims_client(module_live_server)


@pytest.fixture(scope="module")
def ram_root(module_live_server: LiveServer) -> RamClient:
    return ram_client(module_live_server)
