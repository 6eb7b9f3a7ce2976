"""The audit trail (``tx.audit_events``): events are added in batches, never changed (but for
a change's event completed with its response), and purged by age.

What a batch inserts, and how, is :mod:`ramsts.store.repositories.audit_rows`. The trail's events
are stored as their facts (:class:`~ramsts.store.records.EventFacts`) and their documents
rendered when read (:mod:`ramsts.store.event_documents`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store.event_documents import REGION, UNKNOWN_IDENTITY, render_document
from ramsts.store.records import (
    AccessKey,
    AuditEvent,
    EventFacts,
    EventLookup,
    LastUse,
    Role,
    User,
)
from ramsts.store.repositories.audit_rows import (
    ADD_EVENTS,
    ADD_RESOURCES,
    APPEND_EVENTS,
    APPEND_RESOURCES,
    EVENT_COLUMNS,
    FACT_COLUMNS,
    EventRows,
    document_text,
    event_rows,
)
from ramsts.store.repositories.base import Repository, raise_violation, violation
from ramsts.store.schema import audit_event_resources, audit_events

ROLE_RESOURCE = "ACS::RAM::Role"
ASSUMING_EVENTS = ("AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithOIDC")


class AuditEventRepository(Repository):
    def add(self, events: Sequence[AuditEvent | EventFacts]) -> None:
        """Append ``events`` to the trail within the transaction (their ``seq`` is the store's
        to give). An ``event_id`` already on the trail raises
        :class:`~ramsts.store.errors.Conflict`, and the transaction goes on without them."""
        rows = event_rows(events, self._connection.dialect)
        if not rows.events:
            return
        integrity_error = self._connection.dialect.loaded_dbapi.IntegrityError
        try:
            with self._connection.begin_nested():
                seqs = dict(ADD_EVENTS.run(self._connection, rows.events))
                if rows.resources:
                    ADD_RESOURCES.run(
                        self._connection,
                        [(seqs[event_id], *rest) for event_id, *rest in rows.resources],
                    )
        except integrity_error as exc:
            raise_violation(exc, violation(exc), entity="AuditEvent")
            raise

    def append(self, rows: EventRows) -> None:
        """Append the events of ``rows`` (:func:`event_rows`, made before the transaction) in
        two statements, the trail writer's batch: no savepoint and nothing returned, so that
        SQLite's write lock is held for the inserts alone. An ``event_id`` already on the
        trail raises :class:`~ramsts.store.errors.Conflict` and spoils the transaction."""
        if not rows.events:
            return
        integrity_error = self._connection.dialect.loaded_dbapi.IntegrityError
        try:
            APPEND_EVENTS.run(self._connection, rows.events)
            if rows.resources:
                APPEND_RESOURCES.run(self._connection, rows.resources)
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

    def replace_documents(self, events: Sequence[AuditEvent | EventFacts]) -> None:
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

    # -- last use (GetAccessKeyLastUsed, the console's "last used") -------------------------
    # Each is the newest event of one index range: the key's (access_key_id, event_time), the
    # user's (account_id, user_name, event_time), the role's resources (account_id,
    # resource_name). Only events since the thing was created count: a name (or, in theory, an
    # id) used before belongs to whatever had it then.

    def access_key_last_used(self, key: AccessKey) -> LastUse | None:
        """The last request ``key`` signed, allowed or refused; a request that failed to
        authenticate with it (a bad signature, the key disabled) is no use of it."""
        return self._last_use(
            audit_events.c.access_key_id == key.access_key_id,
            audit_events.c.account_id == key.account_id,
            audit_events.c.event_time >= key.created_at,
            sa.func.coalesce(
                audit_events.c.identity_type, self._document_text("userIdentity", "type")
            )
            != UNKNOWN_IDENTITY,
        )

    def role_last_assumed(self, role: Role) -> LastUse | None:
        """The last successful AssumeRole (or AssumeRoleWithSAML/OIDC) of ``role``, as its own
        account's trail holds it: the event names the role, and its ``RoleArn`` is the role's
        ARN (another account's role of the same name is not this one)."""
        named = audit_event_resources.c
        return self._last_use(
            named.account_id == role.account_id,
            named.resource_name == role.role_name,
            named.resource_type == ROLE_RESOURCE,
            audit_events.c.event_name.in_(ASSUMING_EVENTS),
            audit_events.c.error_code.is_(None),
            audit_events.c.event_time >= role.created_at,
            sa.func.lower(self._document_text("requestParameters", "RoleArn")) == role.arn.lower(),
            joined=audit_event_resources.join(
                audit_events, audit_events.c.seq == audit_event_resources.c.event_seq
            ),
        )

    def user_last_signed_in(self, user: User) -> LastUse | None:
        """The user's last successful console sign-in."""
        return self._last_use(
            *self._by_user(user),
            audit_events.c.event_type == "ConsoleSignin",
            audit_events.c.error_code.is_(None),
        )

    def user_last_called(self, user: User) -> LastUse | None:
        """The user's last API call, with any of its AccessKeys, allowed or refused."""
        return self._last_use(*self._by_user(user), audit_events.c.event_type == "ApiCall")

    @staticmethod
    def _by_user(user: User) -> tuple[sa.ColumnElement[bool], ...]:
        return (
            audit_events.c.account_id == user.account_id,
            audit_events.c.user_name == user.user_name,
            audit_events.c.event_time >= user.created_at,
        )

    def _last_use(
        self, *criteria: sa.ColumnElement[bool], joined: sa.FromClause = audit_events
    ) -> LastUse | None:
        row = self._connection.execute(
            sa.select(
                audit_events.c.event_time,
                audit_events.c.service_name,
                # Rendered from the columns since 0009, a constant there.
                sa.case(
                    (audit_events.c.identity_type.is_not(None), sa.literal(REGION)),
                    else_=self._document_text("acsRegion"),
                ),
            )
            .select_from(joined)
            .where(*criteria)
            .order_by(audit_events.c.event_time.desc(), audit_events.c.seq.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return LastUse(used_at=row[0], service_name=row[1], region=row[2] or "")

    def _document_text(self, *path: str) -> sa.ColumnElement[str]:
        """A text field of the stored document. PostgreSQL reads the text as JSON once cast;
        SQLite's JSON functions take the text as it is (its CAST would make it a number)."""
        document = audit_events.c.document
        as_json = (
            sa.cast(document, sa.JSON)
            if self._connection.dialect.name == "postgresql"
            else sa.type_coerce(document, sa.JSON)
        )
        field: sa.ColumnElement[str] = as_json[path].as_string()
        return field

    def lookup(self, query: EventLookup) -> list[AuditEvent]:
        """A page of ``query.account_id``'s events in its time range that match every attribute,
        ordered by time then ``seq`` (newest first unless asked otherwise), after
        ``query.after``. It reads the ``(account_id, event_time, seq)`` index, or the name's or
        user's where that filter is given."""
        c = audit_events.c
        conditions = [
            c.account_id == query.account_id,
            c.event_time >= query.start,
            c.event_time <= query.end,
        ]
        for key, value in query.attributes.items():
            conditions.append(_attribute_condition(query.account_id, key, value))
        if query.after is not None:
            at, seq = query.after.event_time, query.after.seq
            if query.newest_first:
                conditions.append(
                    sa.or_(c.event_time < at, sa.and_(c.event_time == at, c.seq < seq))
                )
            else:
                conditions.append(
                    sa.or_(c.event_time > at, sa.and_(c.event_time == at, c.seq > seq))
                )
        order = (
            (c.event_time.desc(), c.seq.desc())
            if query.newest_first
            else (c.event_time.asc(), c.seq.asc())
        )
        statement = sa.select(audit_events).where(*conditions).order_by(*order).limit(query.limit)
        return [_event(row) for row in self._connection.execute(statement)]

    def after(
        self,
        seq: int,
        *,
        limit: int,
        account_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditEvent]:
        """Up to ``limit`` events stored after ``seq`` (0: from the start), in the trail's
        order: what an export writes, and what a follower polls for. Of one account, and within
        a time range, if given."""
        c = audit_events.c
        conditions = [c.seq > seq]
        if account_id is not None:
            conditions.append(c.account_id == account_id)
        if since is not None:
            conditions.append(c.event_time >= since)
        if until is not None:
            conditions.append(c.event_time <= until)
        statement = sa.select(audit_events).where(*conditions).order_by(c.seq).limit(limit)
        return [_event(row) for row in self._connection.execute(statement)]

    def purge_batch_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to ``limit`` of the oldest events older than ``cutoff`` (with their
        resources): retention's step, small enough not to hold the table for long. How many
        went; fewer than ``limit`` means none is left."""
        oldest = (
            sa.select(audit_events.c.seq)
            .where(audit_events.c.event_time < cutoff)
            .order_by(audit_events.c.seq)
            .limit(limit)
        )
        result = self._connection.execute(
            audit_events.delete().where(audit_events.c.seq.in_(oldest))
        )
        return int(result.rowcount)


_COLUMN_OF_ATTRIBUTE = {
    "EventName": audit_events.c.event_name,
    "EventRW": audit_events.c.event_rw,
    "User": audit_events.c.user_name,
    "EventAccessKeyId": audit_events.c.access_key_id,
    "EventId": audit_events.c.event_id,
    "ServiceName": audit_events.c.service_name,
    "EventType": audit_events.c.event_type,
}
LOOKUP_ATTRIBUTES = frozenset(_COLUMN_OF_ATTRIBUTE) | {"ResourceName", "ResourceType"}
"""The LookupAttribute keys :meth:`AuditEventRepository.lookup` filters on."""


def _attribute_condition(account_id: str, key: str, value: str) -> sa.ColumnElement[bool]:
    column = _COLUMN_OF_ATTRIBUTE.get(key)
    if column is not None:
        return column == value
    r = audit_event_resources.c
    if key == "ResourceName":
        # The events of the account's resources of that name, from the resources'
        # (account_id, resource_name) index: a name is rare, so the set is small.
        return audit_events.c.seq.in_(
            sa.select(r.event_seq).where(r.account_id == account_id, r.resource_name == value)
        )
    if key == "ResourceType":
        # A type is common and has no index of its own: each event in time order is tested
        # through the resources' event_seq index, and the page fills soon.
        return sa.exists().where(r.event_seq == audit_events.c.seq, r.resource_type == value)
    raise ValueError(f"not a lookup attribute: {key!r}")


def _event(row: sa.Row[Any]) -> AuditEvent:
    values = row._mapping
    columns = {name: values[name] for name in EVENT_COLUMNS}
    stored = json.loads(values["document"])
    if values["identity_type"] is None:
        document = stored  # given whole (or stored before migration 0009)
    else:
        facts = {**columns, **{name: values[name] for name in FACT_COLUMNS}}
        if values["overflow"] is not None:
            facts.update(json.loads(values["overflow"]))
        document = render_document(facts, stored)
    return AuditEvent(**columns, document=document, seq=int(values["seq"]))
