"""The audit trail (``tx.audit_events``): events are added in batches, never changed, and
purged by age.

An event and the resources it names are written by one statement each, however many events,
run on the driver's cursor (:mod:`ramsts.store.prepared`: the trail's writer adds them by the
hundred, inside SQLite's one write lock). The resources find their event's ``seq`` by its unique
``event_id`` within the statement, so no id has to come back to Python between the two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store.prepared import Precompiled
from ramsts.store.records import AuditEvent
from ramsts.store.repositories.base import Repository
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

_ADD_EVENT = Precompiled(
    audit_events.insert().values(
        {
            name: sa.bindparam(f"new_{name}", type_=audit_events.c[name].type)
            for name in (*_EVENT_COLUMNS, "document")
        }
    )
)

_ADD_RESOURCE = Precompiled(
    audit_event_resources.insert().from_select(
        ["event_seq", "account_id", "resource_type", "resource_name"],
        sa.select(
            audit_events.c.seq,
            audit_events.c.account_id,
            sa.bindparam("resource_type", type_=sa.String()),
            sa.bindparam("resource_name", type_=sa.String()),
        ).where(audit_events.c.event_id == sa.bindparam("event_ref")),
    )
)


def document_text(event: AuditEvent) -> str:
    """The stored form of an event's document: compact JSON, its keys in the order given."""
    return json.dumps(event.document, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class EventRows:
    """Events as the rows :meth:`AuditEventRepository.add` inserts, made before the transaction
    (:func:`event_rows`): a writer holding SQLite's one write lock then only inserts."""

    events: list[dict[str, Any]]
    resources: list[dict[str, Any]]


def event_rows(events: Sequence[AuditEvent]) -> EventRows:
    return EventRows(
        events=[
            {f"new_{name}": getattr(event, name) for name in _EVENT_COLUMNS}
            | {"new_document": document_text(event)}
            for event in events
        ],
        resources=[
            {"event_ref": event.event_id, "resource_type": kind, "resource_name": name}
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
        if rows.events:
            self._write_many(_ADD_EVENT, rows.events, entity="AuditEvent")
        if rows.resources:
            self._write_many(_ADD_RESOURCE, rows.resources, entity="AuditEvent")

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
