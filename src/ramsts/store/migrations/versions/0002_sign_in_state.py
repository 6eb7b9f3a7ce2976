"""Sign-in state in the store: failed console sign-ins, and each MFA device's last used step.

Revision ID: 0002
Revises: 0001
Create Date: 2025-03-01

Until now the console kept them in each server process's memory, so every worker counted its
own lockout. Spent sign-in tickets need no table: they are signature nonces under their own key
prefix.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("failure_id", sa.String(length=32), nullable=False),
        sa.Column("attempt_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("failure_id", name=op.f("pk_sign_in_failures")),
    )
    op.create_index(
        op.f("ix_sign_in_failures_failed_at"), "sign_in_failures", ["failed_at"], unique=False
    )
    op.create_index(
        op.f("ix_sign_in_failures_attempt_key_failed_at"),
        "sign_in_failures",
        ["attempt_key", "failed_at"],
        unique=False,
    )
    with op.batch_alter_table("virtual_mfa_devices") as table:
        table.add_column(sa.Column("last_used_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("virtual_mfa_devices") as table:
        table.drop_column("last_used_step")
    op.drop_index(op.f("ix_sign_in_failures_attempt_key_failed_at"), table_name="sign_in_failures")
    op.drop_index(op.f("ix_sign_in_failures_failed_at"), table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
