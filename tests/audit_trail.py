"""The audit trail as a test reads it: the stored rows of ``audit_events`` and
``audit_event_resources``, straight from the database (the lookups LookupEvents needs are the
repository's, tested on their own)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from ramsts.store import DatabaseUnavailable, Store, Transaction
from ramsts.store.engine import normalise_url
from ramsts.store.schema import audit_event_resources, audit_events


def trail_rows(db_url: str) -> list[dict[str, Any]]:
    """Every stored event, in the trail's order, its ``document`` as stored (JSON text)."""
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.select(audit_events).order_by(audit_events.c.seq))
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def trail_documents(db_url: str) -> list[dict[str, Any]]:
    """Every stored event's ActionTrail document, in the trail's order, as the store reads it
    (rendered from the stored facts)."""
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.connect() as connection:
            found = Transaction(connection).audit_events.after(0, limit=1_000_000)
            return [dict(event.document) for event in found]
    finally:
        engine.dispose()


def trail_resources(db_url: str) -> list[tuple[str, str, str]]:
    """``(event_id, resource_type, resource_name)`` of every stored resource, by name."""
    query = (
        sa.select(
            audit_events.c.event_id,
            audit_event_resources.c.resource_type,
            audit_event_resources.c.resource_name,
        )
        .join(audit_events, audit_events.c.seq == audit_event_resources.c.event_seq)
        .order_by(audit_event_resources.c.resource_name, audit_events.c.seq)
    )
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.connect() as connection:
            return [(row[0], row[1], row[2]) for row in connection.execute(query)]
    finally:
        engine.dispose()


class Outage:
    """A database that ``store``'s read-write transactions cannot reach while ``down`` (the
    audit trail's writer, and an event loop writing a batch, meet ``DatabaseUnavailable``, as
    they would on an outage)."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        real = store.transaction

        @contextmanager
        def transaction() -> Iterator[Transaction]:
            if self.down:
                raise DatabaseUnavailable("the database is down (a test)")
            with real() as tx:
                yield tx

        real_on_loop = store.loop_transaction

        @contextmanager
        def loop_transaction() -> Iterator[Transaction | None]:
            if self.down:
                raise DatabaseUnavailable("the database is down (a test)")
            with real_on_loop() as tx:
                yield tx

        monkeypatch.setattr(store, "transaction", transaction)
        monkeypatch.setattr(store, "loop_transaction", loop_transaction)
