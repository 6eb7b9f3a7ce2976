"""OIDC providers: the OpenID Connect identity providers an account trusts (Ims 2019-08-15).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

One row per provider, named uniquely per account in any letter case, and at most one per issuer
URL in an account. Client ids and fingerprints are JSON arrays of strings.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def name_key(length: int) -> sa.types.TypeEngine[str]:
    """As 0001's: a migration keeps its own copy, never the application's code of the day."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "oidc_providers",
        sa.Column("provider_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("provider_name", sa.String(length=128), nullable=False),
        sa.Column("name_key", name_key(128), nullable=False),
        sa.Column("issuer_url", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("client_ids", sa.Text(), nullable=False),
        sa.Column("fingerprints", sa.Text(), nullable=False),
        sa.Column("issuance_limit_time", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_oidc_providers_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_oidc_providers")),
        sa.UniqueConstraint(
            "account_id", "name_key", name=op.f("uq_oidc_providers_account_id_name_key")
        ),
        sa.UniqueConstraint(
            "account_id", "issuer_url", name=op.f("uq_oidc_providers_account_id_issuer_url")
        ),
    )


def downgrade() -> None:
    op.drop_table("oidc_providers")
