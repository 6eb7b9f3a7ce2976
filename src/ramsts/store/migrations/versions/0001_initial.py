"""Initial schema: accounts, identities, policies, attachments, tags, settings, nonces, token keys.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out in full rather than derived from ``ramsts.store.schema`` so that this migration
keeps meaning the same DDL when the live schema moves on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def name_key(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("root_password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("alias", name=op.f("uq_accounts_alias")),
    )
    op.create_table(
        "signature_nonces",
        sa.Column("nonce_key", sa.String(length=512), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("nonce_key", name=op.f("pk_signature_nonces")),
    )
    op.create_index(
        op.f("ix_signature_nonces_expires_at"), "signature_nonces", ["expires_at"], unique=False
    )
    op.create_table(
        "token_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("sealed_key", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_token_keys")),
    )
    op.create_index(
        "uq_token_keys_current",
        "token_keys",
        ["is_current"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )
    op.create_table(
        "account_settings",
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("password_policy", JSON_DOCUMENT, nullable=True),
        sa.Column("security_preference", JSON_DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_account_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_settings")),
    )
    op.create_table(
        "groups",
        sa.Column("group_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("name_key", name_key(64), nullable=False),
        sa.Column("comments", sa.String(length=256), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_groups_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_groups")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_groups_account_id_name_key")),
    )
    op.create_table(
        "policies",
        sa.Column("policy_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=True),
        sa.Column("policy_type", sa.String(length=8), nullable=False),
        sa.Column("policy_name", sa.String(length=128), nullable=False),
        sa.Column("name_key", name_key(128), nullable=False),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("default_version_number", sa.Integer(), nullable=False),
        sa.Column("last_version_number", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "(policy_type = 'System' AND account_id IS NULL)"
            " OR (policy_type = 'Custom' AND account_id IS NOT NULL)",
            name=op.f("ck_policies_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_policies_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", name=op.f("pk_policies")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_policies_account_id_name_key")),
    )
    op.create_index(
        "uq_policies_system_name_key",
        "policies",
        ["name_key"],
        unique=True,
        sqlite_where=sa.text("account_id IS NULL"),
        postgresql_where=sa.text("account_id IS NULL"),
    )
    op.create_table(
        "roles",
        sa.Column("role_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("role_name", sa.String(length=64), nullable=False),
        sa.Column("name_key", name_key(64), nullable=False),
        sa.Column("description", sa.String(length=1024), nullable=False),
        sa.Column("assume_role_policy_document", sa.Text(), nullable=False),
        sa.Column("max_session_duration", sa.Integer(), nullable=False),
        sa.Column("allow_console_login", sa.Boolean(), nullable=False),
        sa.Column("is_service_linked_role", sa.Boolean(), nullable=False),
        sa.Column("service_name", sa.String(length=128), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("sessions_not_before", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_roles_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_roles")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_roles_account_id_name_key")),
    )
    op.create_table(
        "tags",
        sa.Column("resource_type", sa.String(length=16), nullable=False),
        sa.Column("resource_id", sa.String(length=24), nullable=False),
        sa.Column("tag_key", sa.String(length=128), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("tag_value", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_tags_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_type", "resource_id", "tag_key", name=op.f("pk_tags")),
    )
    op.create_index(
        op.f("ix_tags_account_id_resource_type_tag_key"),
        "tags",
        ["account_id", "resource_type", "tag_key"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("name_key", name_key(64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
        sa.Column("mobile_phone", sa.String(length=64), nullable=False),
        sa.Column("comments", sa.String(length=256), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("last_login_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_users_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("account_id", "name_key", name=op.f("uq_users_account_id_name_key")),
    )
    op.create_table(
        "access_keys",
        sa.Column("access_key_id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=True),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("last_used_service", sa.String(length=64), nullable=True),
        sa.Column("last_used_region", sa.String(length=64), nullable=True),
        sa.CheckConstraint("status IN ('Active', 'Inactive')", name=op.f("ck_access_keys_status")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_access_keys_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_access_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("access_key_id", name=op.f("pk_access_keys")),
    )
    op.create_index(
        op.f("ix_access_keys_account_id_user_id"),
        "access_keys",
        ["account_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "group_memberships",
        sa.Column("group_id", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("joined_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_group_memberships_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.group_id"],
            name=op.f("fk_group_memberships_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_group_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_group_memberships")),
    )
    op.create_index(
        op.f("ix_group_memberships_user_id"), "group_memberships", ["user_id"], unique=False
    )
    op.create_table(
        "group_policy_attachments",
        sa.Column("group_id", sa.String(length=24), nullable=False),
        sa.Column("policy_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("attached_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_group_policy_attachments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.group_id"],
            name=op.f("fk_group_policy_attachments_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.policy_id"],
            name=op.f("fk_group_policy_attachments_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "policy_id", name=op.f("pk_group_policy_attachments")),
    )
    op.create_index(
        op.f("ix_group_policy_attachments_policy_id_account_id"),
        "group_policy_attachments",
        ["policy_id", "account_id"],
        unique=False,
    )
    op.create_table(
        "login_profiles",
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("password_reset_required", sa.Boolean(), nullable=False),
        sa.Column("mfa_bind_required", sa.Boolean(), nullable=False),
        sa.Column("password_history", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_login_profiles_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_login_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_login_profiles")),
    )
    op.create_table(
        "policy_versions",
        sa.Column("policy_id", sa.String(length=24), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("policy_document", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.policy_id"],
            name=op.f("fk_policy_versions_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", "version_number", name=op.f("pk_policy_versions")),
    )
    op.create_table(
        "role_policy_attachments",
        sa.Column("role_id", sa.String(length=24), nullable=False),
        sa.Column("policy_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("attached_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_role_policy_attachments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.policy_id"],
            name=op.f("fk_role_policy_attachments_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["roles.role_id"],
            name=op.f("fk_role_policy_attachments_role_id_roles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("role_id", "policy_id", name=op.f("pk_role_policy_attachments")),
    )
    op.create_index(
        op.f("ix_role_policy_attachments_policy_id_account_id"),
        "role_policy_attachments",
        ["policy_id", "account_id"],
        unique=False,
    )
    op.create_table(
        "user_policy_attachments",
        sa.Column("user_id", sa.String(length=24), nullable=False),
        sa.Column("policy_id", sa.String(length=24), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("attached_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_user_policy_attachments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policies.policy_id"],
            name=op.f("fk_user_policy_attachments_policy_id_policies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_user_policy_attachments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "policy_id", name=op.f("pk_user_policy_attachments")),
    )
    op.create_index(
        op.f("ix_user_policy_attachments_policy_id_account_id"),
        "user_policy_attachments",
        ["policy_id", "account_id"],
        unique=False,
    )
    op.create_table(
        "virtual_mfa_devices",
        sa.Column("serial_number", sa.String(length=256), nullable=False),
        sa.Column("account_id", sa.String(length=16), nullable=False),
        sa.Column("device_name", sa.String(length=64), nullable=False),
        sa.Column("name_key", name_key(64), nullable=False),
        sa.Column("sealed_seed", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(length=24), nullable=True),
        sa.Column("enabled_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_virtual_mfa_devices_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_virtual_mfa_devices_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("serial_number", name=op.f("pk_virtual_mfa_devices")),
        sa.UniqueConstraint(
            "account_id", "name_key", name=op.f("uq_virtual_mfa_devices_account_id_name_key")
        ),
        sa.UniqueConstraint("user_id", name=op.f("uq_virtual_mfa_devices_user_id")),
    )


def downgrade() -> None:
    op.drop_table("virtual_mfa_devices")
    op.drop_table("user_policy_attachments")
    op.drop_table("role_policy_attachments")
    op.drop_table("policy_versions")
    op.drop_table("login_profiles")
    op.drop_table("group_policy_attachments")
    op.drop_table("group_memberships")
    op.drop_table("access_keys")
    op.drop_table("users")
    op.drop_table("tags")
    op.drop_table("roles")
    op.drop_table("policies")
    op.drop_table("groups")
    op.drop_table("account_settings")
    op.drop_table("token_keys")
    op.drop_table("signature_nonces")
    op.drop_table("accounts")
