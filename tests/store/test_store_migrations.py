"""Migrations: they build exactly the live schema, and concurrent starts are safe."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ramsts.store import open_store
from ramsts.store.engine import normalise_url
from ramsts.store.schema import metadata


def test_the_migrated_database_matches_the_declared_schema(empty_db_url: str) -> None:
    open_store(empty_db_url).dispose()
    engine = sa.create_engine(normalise_url(empty_db_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_processes_starting_at_once_migrate_once_and_all_open(empty_db_url: str) -> None:
    failures: list[BaseException] = []

    def start() -> None:
        try:
            open_store(empty_db_url).dispose()
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    starters = [threading.Thread(target=start) for _ in range(4)]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()

    assert failures == []
    engine = sa.create_engine(normalise_url(empty_db_url))
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()
    engine.dispose()
    assert versions == 1
