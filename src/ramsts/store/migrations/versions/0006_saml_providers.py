"""SAML providers (Ims 2019-08-15) and the replay ledger of AssumeRoleWithSAML.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

One row per SAML provider, named uniquely per account in any letter case, holding the IdP's
metadata XML as uploaded. ``saml_assertions`` records each assertion that bought a session
(a digest of its issuer and ID) until it expires, so that no assertion is accepted twice by any
process sharing the database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def name_key(length: int) -> sa.types.TypeEngine[str]:
    """As 0001's: a migration keeps its own copy, never the application's code of the day."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "saml_providers",
        sa.Column("provider_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("provider_name", sa.String(length=128), nullable=False),
        sa.Column("name_key", name_key(128), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=False),
        sa.Column("metadata_document", sa.Text(), nullable=False),
        sa.Column("authn_sign_algo", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_saml_providers_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_saml_providers")),
        sa.UniqueConstraint(
            "account_id", "name_key", name=op.f("uq_saml_providers_account_id_name_key")
        ),
    )
    op.create_table(
        "saml_assertions",
        sa.Column("assertion_key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("assertion_key", name=op.f("pk_saml_assertions")),
    )
    op.create_index(
        op.f("ix_saml_assertions_expires_at"), "saml_assertions", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_saml_assertions_expires_at"), table_name="saml_assertions")
    op.drop_table("saml_assertions")
    op.drop_table("saml_providers")
