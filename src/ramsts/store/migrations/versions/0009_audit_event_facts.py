"""Audit events stored as their facts, their documents rendered when read (issue #16): the
caller's identity and where the call came from as columns, and in ``document`` only the members
after ``userIdentity``; the role's last-use index ordered as the trail is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

Events already stored keep their whole document and no ``identity_type``, which is how they are
told apart and read as they were written (:mod:`ramsts.store.event_documents`): nothing is
rewritten. ``(account_id, resource_name, event_seq)`` replaces ``(account_id, resource_name)``,
of which it is an extension.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from ramsts.store.columns import UtcDateTime
from ramsts.store.event_documents import render_document

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

FACT_COLUMNS = (
    ("source_ip", sa.Text()),
    ("user_agent", sa.Text()),
    ("identity_type", sa.String(length=16)),
    ("principal_id", sa.Text()),
    ("identity_name", sa.Text()),
    ("role_id", sa.Text()),
    ("role_name", sa.Text()),
    ("session_created", sa.Text()),
    ("overflow", sa.Text()),
)

OTHER_COLUMNS = (
    "event_id",
    "account_id",
    "event_name",
    "event_source",
    "service_name",
    "event_type",
    "event_rw",
    "api_version",
    "access_key_id",
    "request_id",
)


def upgrade() -> None:
    # Nullable columns added at the end: a change of the table's definition only, on both
    # databases (no table rebuilt, no row rewritten).
    for name, column_type in FACT_COLUMNS:
        op.add_column("audit_events", sa.Column(name, column_type, nullable=True))
    op.create_index(
        op.f("ix_audit_event_resources_account_id_resource_name_event_seq"),
        "audit_event_resources",
        ["account_id", "resource_name", "event_seq"],
        unique=False,
    )
    op.drop_index(
        op.f("ix_audit_event_resources_account_id_resource_name"),
        table_name="audit_event_resources",
    )


def downgrade() -> None:
    # 0008 reads a whole document: the events stored since get theirs, rendered as LookupEvents
    # would have returned them.
    events = sa.table(
        "audit_events",
        *(sa.column(name) for name in ("seq", "document", *OTHER_COLUMNS)),
        sa.column("event_time", UtcDateTime()),
        *(sa.column(name) for name, _ in FACT_COLUMNS),
    )
    bind = op.get_bind()
    stored = bind.execute(sa.select(events).where(events.c.identity_type.is_not(None)))
    for row in stored.mappings().all():
        facts = dict(row)
        if row["overflow"] is not None:
            facts.update(json.loads(row["overflow"]))
        document = render_document(facts, json.loads(row["document"]))
        bind.execute(
            events.update()
            .where(events.c.seq == row["seq"])
            .values(document=json.dumps(document, ensure_ascii=False, separators=(",", ":")))
        )
    op.create_index(
        op.f("ix_audit_event_resources_account_id_resource_name"),
        "audit_event_resources",
        ["account_id", "resource_name"],
        unique=False,
    )
    op.drop_index(
        op.f("ix_audit_event_resources_account_id_resource_name_event_seq"),
        table_name="audit_event_resources",
    )
    for name, _ in reversed(FACT_COLUMNS):
        op.drop_column("audit_events", name)
