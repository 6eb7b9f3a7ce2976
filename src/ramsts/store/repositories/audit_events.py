"""The audit trail (``tx.audit_events``): events are added in batches, never changed, and
purged by age.

The trail's writer adds events by the hundred, inside SQLite's one write lock, which every
request's nonce waits for. So a batch is one multi-row ``INSERT … VALUES (…), (…) RETURNING`` of
the events and one of their resources, run on the driver's cursor (:class:`MultiRowInsert`):
one statement each, the driver's work without Python's lock in between, and the rows made
before the transaction (:func:`event_rows`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from ramsts.store.records import AuditEvent
from ramsts.store.repositories.base import Repository, raise_violation, violation
from ramsts.store.schema import audit_event_resources, audit_events

_EVENT_COLUMNS = (
    "event_id",
    "account_id",
    "event_time",
    "event_name",
    "event_source",
    "service_name",
    "event_type",
    "event_rw",
    "api_version",
    "user_name",
    "access_key_id",
    "error_code",
    "request_id",
)

_ROWS_PER_STATEMENT = 1000
"""Bind parameters per statement stay well below SQLite's 32,766 and PostgreSQL's 65,535."""


class MultiRowInsert:
    """``INSERT INTO table (columns) VALUES (…), (…) [RETURNING …]`` of any number of rows, with
    the columns' own bind conversions (``UtcDateTime``), on the transaction's DB-API cursor."""

    def __init__(self, table: sa.Table, columns: Sequence[str], returning: Sequence[str] = ()):
        self._table = table
        self._columns = tuple(columns)
        self._returning = tuple(returning)
        self._processors: dict[str, tuple[Callable[[Any], Any] | None, ...]] = {}

    def run(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        dialect = connection.dialect
        processors = self._processors_for(dialect)
        placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
        one_row = "(" + ", ".join([placeholder] * len(self._columns)) + ")"
        # Names from the schema, values all bound: nothing a caller gives reaches the text.
        head = f"INSERT INTO {self._table.name} ({', '.join(self._columns)}) VALUES "  # noqa: S608
        tail = f" RETURNING {', '.join(self._returning)}" if self._returning else ""
        returned: list[tuple[Any, ...]] = []
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(rows), _ROWS_PER_STATEMENT):
                chunk = rows[start : start + _ROWS_PER_STATEMENT]
                values = [
                    value if process is None else process(value)
                    for row in chunk
                    for process, value in zip(processors, row, strict=True)
                ]
                cursor.execute(head + ", ".join([one_row] * len(chunk)) + tail, values)
                if self._returning:
                    returned.extend(tuple(row) for row in cursor.fetchall())
        finally:
            cursor.close()
        return returned

    def _processors_for(self, dialect: Dialect) -> tuple[Callable[[Any], Any] | None, ...]:
        found = self._processors.get(dialect.name)
        if found is None:
            found = self._processors[dialect.name] = tuple(
                self._table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                for name in self._columns
            )
        return found


_ADD_EVENTS = MultiRowInsert(
    audit_events, (*_EVENT_COLUMNS, "document"), returning=("event_id", "seq")
)
_ADD_RESOURCES = MultiRowInsert(
    audit_event_resources, ("event_seq", "account_id", "resource_type", "resource_name")
)


def document_text(event: AuditEvent) -> str:
    """The stored form of an event's document: compact JSON, its keys in the order given (a
    value JSON has no type for, as its text: recording a call must never fail it)."""
    return json.dumps(event.document, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True, slots=True)
class EventRows:
    """Events as the rows :meth:`AuditEventRepository.add` inserts, made before the transaction
    (:func:`event_rows`): a writer holding SQLite's one write lock then only inserts."""

    events: list[tuple[Any, ...]]
    """Each event's columns, in ``_EVENT_COLUMNS`` order, then its document's text."""
    resources: list[tuple[str, str, str, str]]
    """``(event_id, account_id, resource_type, resource_name)``."""


def event_rows(events: Sequence[AuditEvent]) -> EventRows:
    return EventRows(
        events=[
            (*(getattr(event, name) for name in _EVENT_COLUMNS), document_text(event))
            for event in events
        ],
        resources=[
            (event.event_id, event.account_id, kind, name)
            for event in events
            for kind, name in event.resources
        ],
    )


class AuditEventRepository(Repository):
    def add(self, events: Sequence[AuditEvent] | EventRows) -> None:
        """Append ``events`` (or their :func:`event_rows`) to the trail (their ``seq`` is the
        store's to give). An ``event_id`` already on the trail raises
        :class:`~ramsts.store.errors.Conflict`."""
        rows = events if isinstance(events, EventRows) else event_rows(events)
        if not rows.events:
            return
        integrity_error = self._connection.dialect.loaded_dbapi.IntegrityError
        try:
            with self._connection.begin_nested():
                seqs = dict(_ADD_EVENTS.run(self._connection, rows.events))
                if rows.resources:
                    _ADD_RESOURCES.run(
                        self._connection,
                        [(seqs[event_id], *rest) for event_id, *rest in rows.resources],
                    )
        except integrity_error as exc:
            raise_violation(exc, violation(exc), entity="AuditEvent")
            raise

    def existing(self, event_ids: Sequence[str]) -> set[str]:
        """Which of ``event_ids`` are on the trail."""
        if not event_ids:
            return set()
        rows = self._connection.execute(
            sa.select(audit_events.c.event_id).where(audit_events.c.event_id.in_(event_ids))
        )
        return {row[0] for row in rows}

    def replace_documents(self, events: Sequence[AuditEvent]) -> None:
        """Store the final document (and error code) of events already on the trail, by
        ``event_id``: an event written with its change, before the response was known."""
        if not events:
            return
        self._connection.execute(
            audit_events.update()
            .where(audit_events.c.event_id == sa.bindparam("event_ref"))
            .values(
                document=sa.bindparam("new_document"), error_code=sa.bindparam("new_error_code")
            ),
            [
                {
                    "event_ref": event.event_id,
                    "new_document": document_text(event),
                    "new_error_code": event.error_code,
                }
                for event in events
            ],
        )

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events older than ``cutoff`` (with their resources), of every account;
        how many went."""
        result = self._connection.execute(
            audit_events.delete().where(audit_events.c.event_time < cutoff)
        )
        return int(result.rowcount)


# Lookups (LookupEvents' filters and paging) follow below.
