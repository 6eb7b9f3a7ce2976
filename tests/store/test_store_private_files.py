"""What the store leaves on disk and in logs stays private: a SQLite database and the files beside
it (``-wal``, ``-shm``, ``-writer.lock``) are created mode 0600 wherever the database lives, under
a permissive umask too; and no statement parameter (sealed secrets, password hashes) reaches a
log record or an error message, on either store."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ramsts.store import open_store
from ramsts.store.engine import create_engine

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SUFFIXES = ("", "-wal", "-shm", "-writer.lock")


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(database: Path) -> dict[str, str]:
    return {
        suffix or "database": oct(stat.S_IMODE(os.stat(f"{database}{suffix}").st_mode))
        for suffix in SUFFIXES
    }


@pytest.mark.usefixtures("permissive_umask")
@pytest.mark.parametrize("where", ["ramsts.db", "srv/data/ramsts/ramsts.db"])
def test_the_database_and_the_files_beside_it_are_readable_by_their_owner_only(
    tmp_path: Path, where: str
) -> None:
    database = tmp_path / where
    store = open_store(f"sqlite:///{database}")
    try:
        opened = modes(database)
        with store.transaction() as tx:
            tx.accounts.create(name="acme", now=NOW)
        assert store.use_nonce("LTAI5tEXAMPLE:nonce", NOW + timedelta(minutes=15))
        written = modes(database)
    finally:
        store.dispose()
    private = dict.fromkeys(("database", "-wal", "-shm", "-writer.lock"), "0o600")
    assert opened == private
    assert written == private


@pytest.mark.usefixtures("permissive_umask")
def test_a_database_that_exists_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    database = tmp_path / "ramsts.db"
    open_store(f"sqlite:///{database}").dispose()
    database.chmod(0o640)
    open_store(f"sqlite:///{database}").dispose()
    assert stat.S_IMODE(database.stat().st_mode) == 0o640


def test_a_failed_statement_shows_its_parameters_neither_in_its_error_nor_in_the_log(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # An operator who switches SQLAlchemy's statement log on (it is off unless asked for).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    secret = "s1.sealed-secret-or-password-hash"
    engine = create_engine(db_url)
    try:
        with pytest.raises(sa.exc.DBAPIError) as failed, engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO no_such_table VALUES (:x)"), {"x": secret})
    finally:
        engine.dispose()
    assert "no_such_table" in str(failed.value)
    assert secret not in str(failed.value)
    assert "INSERT INTO no_such_table" in caplog.text
    assert secret not in caplog.text
