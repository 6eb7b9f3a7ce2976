"""The audit trail's rows as its writer inserts them: each event's columns in table order, made
and bound for the driver before the transaction (:func:`event_rows`), and inserted by the
hundred in one multi-row statement per table on the driver's cursor (:class:`MultiRowInsert`).

The trail's writer adds events inside SQLite's one write lock, which every request's nonce
waits for. Each statement gives up Python's lock while SQLite works and must take it back from
the event loop, the lock held all the while: so two statements a batch, no savepoint and no
``RETURNING``, whose rows the driver fetches one by one (the resources find their event's
``seq`` by ``event_id`` in an ``INSERT … SELECT``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from operator import attrgetter
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from ramsts.store.multirow import cursor_for, numbered, values_text
from ramsts.store.records import AuditEvent, EventFacts
from ramsts.store.schema import audit_event_resources, audit_events

EVENT_COLUMNS = (
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
FACT_COLUMNS = (
    "source_ip",
    "user_agent",
    "identity_type",
    "principal_id",
    "identity_name",
    "role_id",
    "role_name",
    "session_created",
)
"""What a call's event holds beside the indexed columns (migration 0009); ``None`` in an event
given whole (:class:`AuditEvent`), whose document is stored as it is."""
_ROW_COLUMNS = (*EVENT_COLUMNS, "document", *FACT_COLUMNS, "overflow")

_ROWS_PER_STATEMENT = 1000
"""Bind parameters per statement stay well below SQLite's 32,766 and PostgreSQL's 65,535."""


class MultiRowInsert:
    """``INSERT INTO table (columns) VALUES (…), (…) [RETURNING …]`` of any number of rows,
    already bound for the driver (:func:`event_rows`), on the transaction's DB-API cursor.

    ``source`` (SQL over the rows as ``VALUES`` named ``column1``…, both databases' name for
    them) inserts what that query selects from the rows instead of the rows themselves."""

    def __init__(
        self,
        table: sa.Table,
        columns: Sequence[str],
        returning: Sequence[str] = (),
        *,
        width: int | None = None,
        source: str | None = None,
    ):
        self._table = table
        self._columns = tuple(columns)
        self._returning = tuple(returning)
        self._width = len(self._columns) if width is None else width
        self._source = source

    def run(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        is_numbered = numbered(connection.dialect)
        # Names from the schema, values all bound: nothing a caller gives reaches the text.
        head = f"INSERT INTO {self._table.name} ({', '.join(self._columns)}) "
        tail = f" RETURNING {', '.join(self._returning)}" if self._returning else ""
        returned: list[tuple[Any, ...]] = []
        cursor = cursor_for(connection.connection, numbered=is_numbered)
        try:
            for start in range(0, len(rows), _ROWS_PER_STATEMENT):
                chunk = rows[start : start + _ROWS_PER_STATEMENT]
                values = values_text(self._width, len(chunk), numbered=is_numbered)
                body = (
                    f"VALUES {values}"
                    if self._source is None
                    else self._source.format(values=f"(VALUES {values})")
                )
                cursor.execute(head + body + tail, list(chain.from_iterable(chunk)))
                if self._returning:
                    returned.extend(tuple(row) for row in cursor.fetchall())
        finally:
            cursor.close()
        return returned


ADD_EVENTS = MultiRowInsert(audit_events, _ROW_COLUMNS, returning=("event_id", "seq"))
APPEND_EVENTS = MultiRowInsert(audit_events, _ROW_COLUMNS)
_RESOURCE_COLUMNS = ("event_seq", "account_id", "resource_type", "resource_name")
ADD_RESOURCES = MultiRowInsert(audit_event_resources, _RESOURCE_COLUMNS)
APPEND_RESOURCES = MultiRowInsert(
    audit_event_resources,
    _RESOURCE_COLUMNS,
    width=4,
    # Each resource finds its event's seq by event_id (its unique index): no RETURNING, whose
    # rows SQLite's driver fetches one at a time, giving up Python's lock for each.
    source=(
        "SELECT e.seq, e.account_id, named.column3, named.column4"
        " FROM {values} AS named JOIN audit_events AS e ON e.event_id = named.column1"
    ),
)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def _json_text(value: Any) -> str:
    """Compact JSON, keys in the order given; a value JSON has no type for, as its text:
    recording a call must never fail it.

    orjson writes it (a sixth of the standard encoder's time, which was a tenth of what an
    event cost); the standard encoder takes what orjson refuses (an integer past 64 bits)."""
    try:
        return orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode()
    except TypeError:
        return _JSON.encode(value)


def document_text(event: AuditEvent | EventFacts) -> str:
    """The stored form of an event's ``document`` column: the whole document of an
    :class:`AuditEvent`, the members after ``userIdentity`` of :class:`EventFacts`."""
    return _json_text(event.tail if isinstance(event, EventFacts) else event.document)


@dataclass(frozen=True, slots=True)
class EventRows:
    """Events as the rows :meth:`AuditEventRepository.add` inserts, made before the transaction
    (:func:`event_rows`): a writer holding SQLite's one write lock then only inserts."""

    events: list[tuple[Any, ...]]
    """Each event's columns, in ``_ROW_COLUMNS`` order."""
    resources: list[tuple[str, str, str, str]]
    """``(event_id, account_id, resource_type, resource_name)``."""


def _column_length(column: sa.Column[Any]) -> int | None:
    return column.type.length if isinstance(column.type, sa.String) else None


_EVENT_LENGTHS = tuple(_column_length(audit_events.c[name]) for name in EVENT_COLUMNS)
_NO_FACTS = (None,) * len(FACT_COLUMNS)
_RESOURCE_TYPE_LENGTH = _column_length(audit_event_resources.c.resource_type)
_RESOURCE_NAME_LENGTH = _column_length(audit_event_resources.c.resource_name)


def _clipped(value: Any, length: int | None) -> Any:
    """A call names what its caller sent, of any length, and its event must still be written
    (a change commits only with it): an indexed column keeps the value's first ``length``
    characters, the document the whole value."""
    if length is None or not isinstance(value, str) or len(value) <= length:
        return value
    return value[:length]


def event_rows(events: Sequence[AuditEvent | EventFacts], dialect: Dialect) -> EventRows:
    """The rows of ``events``, bound for ``dialect``'s driver (``UtcDateTime``'s conversion
    done): the transaction that inserts them has nothing left to do in Python."""
    bind_time = _time_binder(dialect)
    return EventRows(
        events=[_event_row(event, bind_time) for event in events],
        resources=[
            (
                event.event_id,
                event.account_id,
                _clipped(kind, _RESOURCE_TYPE_LENGTH),
                _clipped(name, _RESOURCE_NAME_LENGTH),
            )
            for event in events
            for kind, name in event.resources
        ],
    )


def _event_row(event: AuditEvent | EventFacts, bind_time: Callable[[Any], Any]) -> tuple[Any, ...]:
    columns: tuple[Any, ...]
    facts: tuple[Any, ...]
    if isinstance(event, EventFacts):
        fields: tuple[Any, ...] = event
        columns, facts = fields[:_FACTS_START], fields[_FACTS_START:_FACTS_END]
    else:
        columns, facts = _COLUMNS_OF(event), _NO_FACTS
    overflow: dict[str, Any] | None = None
    for index, length in _CLIPPABLE:
        value = columns[index]
        if value is not None and len(value) > length:
            # A call names what its caller sent, of any length, and its event must still be
            # written (a change commits only with it): an indexed column keeps the value's
            # first ``length`` characters, the event the whole value (in ``overflow``, or in
            # the document of an event given whole).
            overflow = overflow or {}
            overflow[EVENT_COLUMNS[index]] = value
    if overflow is not None:
        columns = tuple(
            value[:length] if name in overflow else value
            for name, value, length in zip(EVENT_COLUMNS, columns, _EVENT_LENGTHS, strict=True)
        )
    overflow_text = None if overflow is None or facts is _NO_FACTS else _json_text(overflow)
    return (
        *columns[:_TIME_COLUMN],
        bind_time(columns[_TIME_COLUMN]),
        *columns[_TIME_COLUMN + 1 :],
        document_text(event),
        *facts,
        overflow_text,
    )


_FACTS_START = len(EVENT_COLUMNS)
_FACTS_END = _FACTS_START + len(FACT_COLUMNS)
_COLUMNS_OF = attrgetter(*EVENT_COLUMNS)
_CLIPPABLE = tuple(
    (index, length) for index, length in enumerate(_EVENT_LENGTHS) if length is not None
)


_TIME_COLUMN = EVENT_COLUMNS.index("event_time")
_time_binders: dict[str, Callable[[Any], Any]] = {}


def _time_binder(dialect: Dialect) -> Callable[[Any], Any]:
    """How ``event_time`` is bound for ``dialect``'s driver: as :class:`UtcDateTime` binds it
    (on SQLite, the same text made without SQLAlchemy's processor, at a tenth of the cost)."""
    if dialect.name == "sqlite":
        return sqlite_time_text
    found = _time_binders.get(dialect.name)
    if found is None:
        column_type = audit_events.c.event_time.type.dialect_impl(dialect)
        process = column_type.bind_processor(dialect)
        found = _time_binders[dialect.name] = process or (lambda value: value)
    return found


def sqlite_time_text(moment: datetime) -> str:
    """``moment`` as SQLAlchemy stores a SQLite ``DATETIME`` of :class:`UtcDateTime`: naive
    UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    if moment.tzinfo is UTC:  # a call's own time: its text, less the "+00:00", at half the cost
        return moment.isoformat(" ", "microseconds")[:-6]
    if moment.tzinfo is None:
        raise ValueError("the store only accepts aware datetimes")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
