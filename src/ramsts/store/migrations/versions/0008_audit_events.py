"""Audit events: every call and console sign-in or change, as an ActionTrail event, and the
resources each names (issue #16).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The events hold no foreign key to their account: the trail outlives what it records. ``seq``
orders the trail and is never reused (AUTOINCREMENT on SQLite), so that paging markers survive a
purge.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("event_time", TIMESTAMP, nullable=False),
        sa.Column("event_name", sa.String(length=128), nullable=False),
        sa.Column("event_source", sa.String(length=128), nullable=False),
        sa.Column("service_name", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_rw", sa.String(length=8), nullable=False),
        sa.Column("api_version", sa.String(length=32), nullable=True),
        sa.Column("user_name", sa.String(length=64), nullable=True),
        sa.Column("access_key_id", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=128), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_events_event_id")),
        sqlite_autoincrement=True,
    )
    for columns in (
        ["account_id", "event_time", "seq"],
        ["account_id", "event_name", "event_time"],
        ["account_id", "user_name", "event_time"],
        ["access_key_id", "event_time"],
    ):
        op.create_index(
            op.f(f"ix_audit_events_{'_'.join(columns)}"), "audit_events", columns, unique=False
        )
    op.create_table(
        "audit_event_resources",
        sa.Column("event_seq", SEQ, nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_name", sa.String(length=1024), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"],
            ["audit_events.seq"],
            name=op.f("fk_audit_event_resources_event_seq_audit_events"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("ix_audit_event_resources_event_seq"),
        "audit_event_resources",
        ["event_seq"],
        unique=False,
    )
    op.create_index(
        op.f("ix_audit_event_resources_account_id_resource_name"),
        "audit_event_resources",
        ["account_id", "resource_name"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("audit_event_resources")
    op.drop_table("audit_events")
