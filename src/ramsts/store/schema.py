"""The tables, in SQLAlchemy Core. Migrations in ``migrations/versions`` create exactly these.

Conventions: every account-scoped row carries ``account_id`` and goes when its account goes
(``ON DELETE CASCADE``); RAM names keep the caller's spelling in ``<thing>_name`` and are unique
case-insensitively through ``name_key`` (the lower-cased name), which also orders listings.
Child rows of a user, group, role or policy (memberships, attachments, keys, versions, login
profile) cascade with their parent; the RAM rules that forbid such deletes (``DeleteConflict.*``)
are the services' to check first. Tags and MFA bindings are polymorphic or optional and are
cleaned up by the repositories. Signature nonces and sign-in failures belong to no account (a
failure may name one that does not exist) and are deleted by age instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ramsts.store.columns import UtcDateTime, name_key

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JsonDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

ID = 24
"""Room for every numeric id the service issues (16–19 digits)."""


def _account_fk(*, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        "account_id",
        sa.String(16),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        nullable=nullable,
    )


accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("account_id", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("alias", sa.String(64), nullable=True, unique=True),
    sa.Column("root_password_hash", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(ID), primary_key=True),
    _account_fk(),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("name_key", name_key(64), nullable=False),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("email", sa.String(256), nullable=False),
    sa.Column("mobile_phone", sa.String(64), nullable=False),
    sa.Column("comments", sa.String(256), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("last_login_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("account_id", "name_key"),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("group_id", sa.String(ID), primary_key=True),
    _account_fk(),
    sa.Column("group_name", sa.String(64), nullable=False),
    sa.Column("name_key", name_key(64), nullable=False),
    sa.Column("comments", sa.String(256), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name_key"),
)

group_memberships = sa.Table(
    "group_memberships",
    metadata,
    sa.Column(
        "group_id",
        sa.String(ID),
        sa.ForeignKey("groups.group_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "user_id",
        sa.String(ID),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _account_fk(),
    sa.Column("joined_at", UtcDateTime, nullable=False),
    sa.Index(None, "user_id"),
)

access_keys = sa.Table(
    "access_keys",
    metadata,
    sa.Column("access_key_id", sa.String(64), primary_key=True),
    _account_fk(),
    sa.Column(
        "user_id",
        sa.String(ID),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("sealed_secret", sa.Text, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Column("last_used_service", sa.String(64), nullable=True),
    sa.Column("last_used_region", sa.String(64), nullable=True),
    sa.CheckConstraint("status IN ('Active', 'Inactive')", name="status"),
    sa.Index(None, "account_id", "user_id"),
)

roles = sa.Table(
    "roles",
    metadata,
    sa.Column("role_id", sa.String(ID), primary_key=True),
    _account_fk(),
    sa.Column("role_name", sa.String(64), nullable=False),
    sa.Column("name_key", name_key(64), nullable=False),
    sa.Column("description", sa.String(1024), nullable=False),
    sa.Column("assume_role_policy_document", sa.Text, nullable=False),
    sa.Column("max_session_duration", sa.Integer, nullable=False),
    sa.Column("allow_console_login", sa.Boolean, nullable=False),
    sa.Column("is_service_linked_role", sa.Boolean, nullable=False),
    sa.Column("service_name", sa.String(128), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("sessions_not_before", UtcDateTime, nullable=True),
    # JSON object: trust-policy principal ARN -> the UserId / RoleId it was bound to.
    sa.Column("trusted_principal_ids", sa.Text, nullable=False, server_default="{}"),
    sa.UniqueConstraint("account_id", "name_key"),
)

oidc_providers = sa.Table(
    "oidc_providers",
    metadata,
    sa.Column("provider_id", sa.String(ID), primary_key=True),
    _account_fk(),
    sa.Column("provider_name", sa.String(128), nullable=False),
    sa.Column("name_key", name_key(128), nullable=False),
    sa.Column("issuer_url", sa.String(255), nullable=False),
    sa.Column("description", sa.String(256), nullable=False),
    # JSON arrays of strings, in the order they were added.
    sa.Column("client_ids", sa.Text, nullable=False),
    sa.Column("fingerprints", sa.Text, nullable=False),
    sa.Column("issuance_limit_time", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name_key"),
    # An issuer is trusted once per account (CreateOIDCProvider: "unique within the account").
    sa.UniqueConstraint("account_id", "issuer_url"),
)

saml_providers = sa.Table(
    "saml_providers",
    metadata,
    sa.Column("provider_id", sa.String(ID), primary_key=True),
    _account_fk(),
    sa.Column("provider_name", sa.String(128), nullable=False),
    sa.Column("name_key", name_key(128), nullable=False),
    sa.Column("description", sa.String(256), nullable=False),
    sa.Column("metadata_document", sa.Text, nullable=False),
    sa.Column("authn_sign_algo", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("account_id", "name_key"),
)

saml_assertions = sa.Table(
    "saml_assertions",
    metadata,
    # The replay ledger of AssumeRoleWithSAML: one row per assertion that bought a session,
    # keyed by a digest of its issuer and ID, kept until the assertion could no longer be
    # accepted anyway. Like signature nonces it belongs to no account and is deleted by age.
    sa.Column("assertion_key", sa.String(64), primary_key=True),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("policy_id", sa.String(ID), primary_key=True),
    _account_fk(nullable=True),
    sa.Column("policy_type", sa.String(8), nullable=False),
    sa.Column("policy_name", sa.String(128), nullable=False),
    sa.Column("name_key", name_key(128), nullable=False),
    sa.Column("description", sa.String(1024), nullable=False),
    sa.Column("default_version_number", sa.Integer, nullable=False),
    sa.Column("last_version_number", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.CheckConstraint(
        "(policy_type = 'System' AND account_id IS NULL)"
        " OR (policy_type = 'Custom' AND account_id IS NOT NULL)",
        name="owner",
    ),
    # Custom policy names are unique per account; system names (account_id NULL, where a plain
    # unique constraint would let duplicates through) are unique across the whole store.
    sa.UniqueConstraint("account_id", "name_key"),
    sa.Index(
        "uq_policies_system_name_key",
        "name_key",
        unique=True,
        sqlite_where=sa.text("account_id IS NULL"),
        postgresql_where=sa.text("account_id IS NULL"),
    ),
)

policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column(
        "policy_id",
        sa.String(ID),
        sa.ForeignKey("policies.policy_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("version_number", sa.Integer, primary_key=True),
    sa.Column("policy_document", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)


def _attachment_table(name: str, principal: str, parent: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column(
            principal,
            sa.String(ID),
            sa.ForeignKey(f"{parent}.{principal}", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "policy_id",
            sa.String(ID),
            sa.ForeignKey("policies.policy_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _account_fk(),
        sa.Column("attached_at", UtcDateTime, nullable=False),
        sa.Index(None, "policy_id", "account_id"),
    )


user_policy_attachments = _attachment_table("user_policy_attachments", "user_id", "users")
group_policy_attachments = _attachment_table("group_policy_attachments", "group_id", "groups")
role_policy_attachments = _attachment_table("role_policy_attachments", "role_id", "roles")

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("resource_type", sa.String(16), primary_key=True),
    sa.Column("resource_id", sa.String(ID), primary_key=True),
    sa.Column("tag_key", sa.String(128), primary_key=True),
    _account_fk(),
    sa.Column("tag_value", sa.String(128), nullable=False),
    sa.Index(None, "account_id", "resource_type", "tag_key"),
)

login_profiles = sa.Table(
    "login_profiles",
    metadata,
    sa.Column(
        "user_id",
        sa.String(ID),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    _account_fk(),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("password_reset_required", sa.Boolean, nullable=False),
    sa.Column("mfa_bind_required", sa.Boolean, nullable=False),
    sa.Column("password_history", JsonDocument, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

virtual_mfa_devices = sa.Table(
    "virtual_mfa_devices",
    metadata,
    sa.Column("serial_number", sa.String(256), primary_key=True),
    _account_fk(),
    sa.Column("device_name", sa.String(64), nullable=False),
    sa.Column("name_key", name_key(64), nullable=False),
    sa.Column("sealed_seed", sa.Text, nullable=False),
    sa.Column(
        "user_id",
        sa.String(ID),
        sa.ForeignKey("users.user_id", ondelete="SET NULL"),
        nullable=True,
        unique=True,
    ),
    sa.Column("enabled_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # The last TOTP time step a code of this device was accepted for at console sign-in: a code
    # is accepted only for a later step, once, whichever process checks it.
    sa.Column("last_used_step", sa.Integer, nullable=True),
    sa.UniqueConstraint("account_id", "name_key"),
)

account_settings = sa.Table(
    "account_settings",
    metadata,
    sa.Column(
        "account_id",
        sa.String(16),
        sa.ForeignKey("accounts.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("password_policy", JsonDocument, nullable=True),
    sa.Column("security_preference", JsonDocument, nullable=True),
)

signature_nonces = sa.Table(
    "signature_nonces",
    metadata,
    sa.Column("nonce_key", sa.String(512), primary_key=True),
    sa.Column("expires_at", UtcDateTime, nullable=False, index=True),
)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    # One row per failed (or not yet decided) console sign-in, never updated: failures recorded
    # at once by several processes all count. ``attempt_key`` is a digest of the name signed in
    # as; rows older than the lockout window are deleted now and then.
    sa.Column("failure_id", sa.String(32), primary_key=True),
    sa.Column("attempt_key", sa.String(64), nullable=False),
    sa.Column("failed_at", UtcDateTime, nullable=False, index=True),
    sa.Index(None, "attempt_key", "failed_at"),
)

sign_in_sources = sa.Table(
    "sign_in_sources",
    metadata,
    # One row per console sign-in that succeeded, by name and source network (``source_key``, a
    # digest): the sources the lockout still lets in while a name is under attack from
    # elsewhere. Inserted, never updated; a source's older rows go when it succeeds again, and
    # rows older than the trust window now and then.
    sa.Column("success_id", sa.String(32), primary_key=True),
    sa.Column("source_key", sa.String(64), nullable=False),
    sa.Column("signed_in_at", UtcDateTime, nullable=False, index=True),
    sa.Index(None, "source_key", "signed_in_at"),
)

token_keys = sa.Table(
    "token_keys",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("sealed_key", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False),
    # At most one key mints at a time.
    sa.Index(
        "uq_token_keys_current",
        "is_current",
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    ),
)

request_counts = sa.Table(
    "request_counts",
    metadata,
    # "<Action>/<AccountId>": one row per quota and account, counting its current window.
    sa.Column("quota_key", sa.String(64), primary_key=True),
    sa.Column("window_start", sa.BigInteger, nullable=False),
    sa.Column("request_count", sa.BigInteger, nullable=False),
)
"""The calls each account made of a throttled action in the current window, summed over every
server sharing the database (:mod:`ramsts.store.request_counts`)."""

# The audit trail outlives what it records: its rows name an account but hold no foreign key to
# it, so that the DeleteUser (or account removal) an event records, or an event written by the
# batch writer after its account went, stays on the trail until retention purges it by age.
audit_events = sa.Table(
    "audit_events",
    metadata,
    # The trail's order and LookupEvents' paging position; never reused (SQLite's AUTOINCREMENT),
    # so that a marker handed out before a purge still means the same place.
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("event_id", sa.String(64), nullable=False, unique=True),
    sa.Column("account_id", sa.String(16), nullable=False),
    sa.Column("event_time", UtcDateTime, nullable=False),
    sa.Column("event_name", sa.String(128), nullable=False),
    sa.Column("event_source", sa.String(128), nullable=False),
    sa.Column("service_name", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("event_rw", sa.String(8), nullable=False),
    sa.Column("api_version", sa.String(32), nullable=True),
    sa.Column("user_name", sa.String(64), nullable=True),
    sa.Column("access_key_id", sa.String(64), nullable=True),
    sa.Column("error_code", sa.String(128), nullable=True),
    sa.Column("request_id", sa.String(64), nullable=False),
    # JSON text, so that its keys keep their order: the document's members after userIdentity
    # (the rest is rendered from the columns, ramsts.store.event_documents), or, for an event
    # without identity_type (stored before 0009, or given whole), the whole document.
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("source_ip", sa.Text, nullable=True),
    sa.Column("user_agent", sa.Text, nullable=True),
    sa.Column("identity_type", sa.String(16), nullable=True),
    sa.Column("principal_id", sa.Text, nullable=True),
    sa.Column("identity_name", sa.Text, nullable=True),
    sa.Column("role_id", sa.Text, nullable=True),
    sa.Column("role_name", sa.Text, nullable=True),
    sa.Column("session_created", sa.Text, nullable=True),
    # The whole values of the columns above the document that were clipped to fit (JSON).
    sa.Column("overflow", sa.Text, nullable=True),
    sa.Index(None, "account_id", "event_time", "seq"),
    sa.Index(None, "account_id", "event_name", "event_time"),
    sa.Index(None, "account_id", "user_name", "event_time"),
    sa.Index(None, "access_key_id", "event_time"),
    sqlite_autoincrement=True,
)

audit_event_resources = sa.Table(
    "audit_event_resources",
    metadata,
    # One row per resource an event names (``ACS::RAM::User`` "alice"): the ResourceName and
    # ResourceType filters of LookupEvents.
    sa.Column(
        "event_seq",
        audit_events.c.seq.type,
        sa.ForeignKey("audit_events.seq", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("account_id", sa.String(16), nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("resource_name", sa.String(1024), nullable=False),
    # A role's last AssumeRole is the newest event of its range (event_seq orders it as the
    # trail does).
    sa.Index(None, "account_id", "resource_name", "event_seq"),
)
