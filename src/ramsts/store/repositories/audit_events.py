"""The audit trail (``tx.audit_events``): events are added in batches, never changed, and
purged by age.

An event and the resources it names are written by one statement each, however many events:
the resources find their event's ``seq`` by its unique ``event_id`` within the statement, so no
id has to come back to Python between the two.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

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

_ADD_RESOURCE = audit_event_resources.insert().from_select(
    ["event_seq", "account_id", "resource_type", "resource_name"],
    sa.select(
        audit_events.c.seq,
        audit_events.c.account_id,
        sa.bindparam("resource_type", type_=sa.String()),
        sa.bindparam("resource_name", type_=sa.String()),
    ).where(audit_events.c.event_id == sa.bindparam("event_ref")),
)


def document_text(event: AuditEvent) -> str:
    """The stored form of an event's document: compact JSON, its keys in the order given."""
    return json.dumps(event.document, ensure_ascii=False, separators=(",", ":"))


class AuditEventRepository(Repository):
    def add(self, events: Sequence[AuditEvent]) -> None:
        """Append ``events`` to the trail (their ``seq`` is the store's to give). An
        ``event_id`` already on the trail raises :class:`~ramsts.store.errors.Conflict`."""
        if not events:
            return
        rows = [
            {
                **{name: getattr(event, name) for name in _EVENT_COLUMNS},
                "document": document_text(event),
            }
            for event in events
        ]
        self._write(audit_events.insert(), rows, entity="AuditEvent")
        resources = [
            {"event_ref": event.event_id, "resource_type": kind, "resource_name": name}
            for event in events
            for kind, name in event.resources
        ]
        if resources:
            self._write(_ADD_RESOURCE, resources, entity="AuditEvent")

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
