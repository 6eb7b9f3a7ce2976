"""Sign-in sources: the console sign-ins that succeeded, by name and source network.

Revision ID: 0003
Revises: 0002
Create Date: 2025-04-01

The lockout counts failures per name and source as well as per name. When a name's failures
from everywhere pass the overall bound, only the sources it signed in from lately are still let
in, so an attacker elsewhere cannot lock the owner out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_sources",
        sa.Column("success_id", sa.String(length=32), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("signed_in_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("success_id", name=op.f("pk_sign_in_sources")),
    )
    op.create_index(
        op.f("ix_sign_in_sources_signed_in_at"), "sign_in_sources", ["signed_in_at"], unique=False
    )
    op.create_index(
        op.f("ix_sign_in_sources_source_key_signed_in_at"),
        "sign_in_sources",
        ["source_key", "signed_in_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_sources_source_key_signed_in_at"), table_name="sign_in_sources")
    op.drop_index(op.f("ix_sign_in_sources_signed_in_at"), table_name="sign_in_sources")
    op.drop_table("sign_in_sources")
