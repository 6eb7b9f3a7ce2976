"""Request counts: the calls each account made of a throttled action in the current window,
shared by every server on the database (``--throttle``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03

One row per action and account, overwritten when a new window begins: the table holds at most
one row per account and throttled action.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "request_counts",
        sa.Column("quota_key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("request_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("quota_key", name=op.f("pk_request_counts")),
    )


def downgrade() -> None:
    op.drop_table("request_counts")
