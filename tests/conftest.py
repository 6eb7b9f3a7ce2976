"""Fixtures every test package shares: the two stores, hypothesis profiles, no proxies.

Storage-backed tests take the ``db_url`` fixture and so run once on SQLite and once on
PostgreSQL, each on a migrated database with no rows in it (``empty_db_url``: not even the
schema). When the PostgreSQL server is unreachable they skip locally and fail under CI
(``RAMSTS_REQUIRE_POSTGRES=1``), so a green CI always covers both.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from fresh_databases import PostgresSchemas, migrated_sqlite_file

if TYPE_CHECKING:
    from ramsts.store import Store

# The real SDKs send loopback traffic through HTTP_PROXY even when NO_PROXY lists it.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_name, None)

# Hundreds of login profiles are made here: argon2id's real parameters would cost minutes, and
# what they protect against (guessing a stolen hash) is tested in tests/crypto with them on.
# Servers the tests start inherit it.
os.environ["RAMSTS_TEST_ONLY_FAST_PASSWORD_HASHING"] = "1"

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

POSTGRES_URL = os.environ.get(
    "RAMSTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("RAMSTS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here but unavailable: {reason}")
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresSchemas]:
    """This test process's PostgreSQL schemas (made and dropped by it)."""
    try:
        schemas = PostgresSchemas(POSTGRES_URL)
    except Exception as exc:  # any connection failure means "no server"
        _postgres_unavailable(str(exc).splitlines()[0])
    yield schemas
    schemas.close()


@pytest.fixture
def empty_postgres_url(postgres_databases: PostgresSchemas) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema made for this test alone, with nothing in
    it: for tests of migrations and of servers meeting a new database."""
    with postgres_databases.empty() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_databases: PostgresSchemas) -> str:
    """A PostgreSQL URL on a schema at the newest revision with no rows in it: this process's
    migrated schema, emptied for each test (migrating anew would cost half a second a test)."""
    return postgres_databases.migrated()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_file(tmp_path_factory.mktemp("template") / "ramsts.db")


@pytest.fixture
def empty_sqlite_url(tmp_path: Path) -> str:
    """A SQLite URL of a file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'ramsts.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A SQLite URL of a file at the newest revision with no rows in it (a copy of one migrated
    once per test process)."""
    path = tmp_path / "ramsts.db"
    shutil.copy(_sqlite_template, path)  # with its mode: the store makes its files 0600
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each storage-backed test runs on both stores, on a migrated database with no rows."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db_url(request: pytest.FixtureRequest) -> str:
    """As ``db_url``, on a database with nothing in it, not even the schema."""
    name = "empty_sqlite_url" if request.param == "sqlite" else "empty_postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated store on each database (a module wanting another clock or URL defines its
    own)."""
    from ramsts.store import open_store

    opened = open_store(db_url)
    yield opened
    opened.dispose()
