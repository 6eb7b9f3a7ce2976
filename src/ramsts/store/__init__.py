"""ramsts.store — the storage layer: SQLAlchemy 2 tables, Alembic migrations, repositories.

This is the only package that imports SQLAlchemy. Services see plain frozen dataclasses
(:mod:`ramsts.store.records`) and the store's own errors, never ORM objects or SQL errors.

Opening::

    from ramsts.store import open_store
    store = open_store("sqlite:///./var/ramsts.db")        # default; or "postgresql://user@host/db"
    store = open_store("sqlite://")                         # in memory, for tests
    store.dispose()                                         # at shutdown

``open_store(url, *, migrate=True, clock=system_clock)`` applies the Alembic migrations (safe when
several processes start at once). ``migrate=False`` raises :class:`SchemaError` unless the schema
is current.

Unit of work — one transaction per action, begun and ended in the service action::

    with store.transaction() as tx:                        # commits at the end; rolls back
        user = tx.users.get(account_id, "Alice")            # everything if the block raises
        tx.users.update(replace(user, comments="x"), now=now)

    with store.read() as tx:                               # read-only fast path (never commits)
        role = tx.roles.get(account_id, role_name)

    store.resolve_access_key(access_key_id) -> AccessKeyOwner | None   # gateway hot path
    store.use_nonce(key, expires_at) -> bool                # committed at once; False = replay
    store.before_commit(hook)                               # hook(tx) ends every transaction()
    with store.loop_transaction() as tx:                   # for an event loop: None (at once)
        ...                                                 # unless on a SQLite file, gate free

On an event loop, work runs in a greenlet (:mod:`ramsts.loop_work`): ``use_nonce`` there waits
for the batch of the loop's turn without blocking it, ``resolve_access_key`` and the health
checks go to the work's worker thread, and a ``read()`` or ``transaction()`` block opened there
blocks the loop and is counted (:func:`ramsts.loop_work.blocking_calls`): the services reach the
database from the loop only through their caches, which fill off it.

Changes announced across processes (PostgreSQL ``NOTIFY``; see :mod:`ramsts.store.invalidations`)::

    tx.announce_change(account_id)                          # in the transaction that changed it
    store.listen_for_changes(on_change, on_gap) -> InvalidationListener | None   # one per process

While the database cannot serve (unreachable, out of connections, a SQLite file that cannot be
opened or stays locked past its timeout), every call that reaches it raises
:class:`DatabaseUnavailable`, a ``ServiceUnavailable`` (503) that entry points render as any other
client error; ``store.check_available()`` asks directly (``/health``). The store recovers by
itself once the database is back.

Every write takes ``now`` (an aware UTC datetime from the service's clock): one action stamps
all its rows with one instant. Names are matched case-insensitively; records keep the spelling
they were created with. ``get``-style methods return ``None`` when nothing matches; update and
delete methods return ``False`` when the row is gone.

Repositories on a :class:`Transaction` (``tx.<name>``):

accounts         create(name=, now=, account_id=None, root_password_hash=None), get(id),
                 get_by_alias(alias), list(), set_alias(id, alias|None), set_root_password(id, h),
                 delete(id) — cascades to everything the account owns
account_settings get(id) -> AccountSettings, set_password_policy(id, dict),
                 set_security_preference(id, dict)
access_keys      create(account_id, user_id=None|id, access_key_id=, sealed_secret=, now=),
                 get(id), resolve(id) -> AccessKeyOwner, list_for(account_id, user_id|None),
                 count_for(...), set_status(id, "Active"|"Inactive"), delete(id)
users            create(account_id, user_name=, now=, display_name=, email=, mobile_phone=,
                 comments=), get(account_id, name), get_by_id(id), update(user, now=),
                 record_login(id, now), delete(id), list(account_id, marker=, max_items=) -> Page,
                 count(account_id), dependents(id) -> UserDependents
groups           create(account_id, group_name=, now=, comments=), get, get_by_id,
                 update(group, now=), delete, list -> Page, count, add_member(group, user_id,
                 now=), remove_member(group_id, user_id), list_for_user(user_id),
                 list_members(group_id, marker=, max_items=) -> Page[GroupMember],
                 count_members, count_for_user, count_policies
roles            create(account_id, role_name=, assume_role_policy_document=, now=,
                 description=, max_session_duration=3600, allow_console_login=False,
                 service_name=None), get(account_id, name), get_by_id(id), update(role, now=),
                 revoke_sessions(id, not_before=), delete(id), list(account_id, marker=,
                 max_items=, tagged=[(key, value|None)]) -> Page, list_service_linked, count,
                 count_policies
policies         create_custom(account_id, policy_name=, policy_document=, now=, description=),
                 put_system(policy_name=, policy_document=, description=, now=),
                 put_system_catalog([(name, description, document)], now=),
                 get(account_id, "Custom"|"System", name), get_by_id(id, account_id),
                 list(account_id, policy_type=None, marker=, max_items=, tagged=) -> Page,
                 count_custom, update_description(id, text, now=), delete(id),
                 add_version(id, document, now=, set_default=), get_version(id, "v2"),
                 default_version(id), list_versions(id), count_versions(id),
                 oldest_non_default_version(id), delete_version(id, "v2"),
                 set_default_version(id, "v2", now=)
attachments      attach("User"|"Group"|"Role", principal_id, policy, account_id=, now=),
                 detach(type, principal_id, policy_id), list_for(type, principal_id,
                 account_id=) -> [AttachedPolicy], count_for(type, principal_id, policy_type),
                 entities(policy_id, account_id=) -> PolicyEntities,
                 effective_for_user(user_id) / effective_for_role
                 -> [EffectivePolicy] (default-version documents, groups included, one query)
tags             set(account_id, "role"|"policy", resource_id, {key: value}),
                 remove(type, id, keys|None), list(type, id), for_resources(type, ids),
                 list_for_account(account_id, type, keys=None)
login_profiles   create(account_id, user_id, password_hash=, now=, password_reset_required=,
                 mfa_bind_required=), get(user_id), update(profile, now=), delete(user_id)
mfa_devices      create(account_id, device_name=, sealed_seed=, now=), get(serial),
                 get_for_user(user_id), list(account_id), count(account_id),
                 bind(serial, user_id, now=), unbind(user_id), delete(serial)
sign_ins         record_failure(attempt_key, now=), count_failures(attempt_key, since=),
                 forget_failure(failure_id), clear_failures(attempt_key),
                 purge_failures(before=), record_success(source_key, now=),
                 signed_in_since(source_key, since=), purge_successes(before=),
                 is_spent(nonce_key), use_mfa_step(serial, step)
oidc_providers   create(account_id, provider_name=, issuer_url=, now=, description=,
                 client_ids=, fingerprints=, issuance_limit_time=12), get(account_id, name),
                 update(provider, now=), delete(id), list(account_id, marker=, max_items=)
                 -> Page, count(account_id)
saml_providers   create(account_id, provider_name=, metadata_document=, now=, description=,
                 authn_sign_algo=), get(account_id, name), update(provider, now=), delete(id),
                 list(account_id, marker=, max_items=) -> Page, count(account_id)
saml_assertions  spend(assertion_key, expires_at=, now=) -> bool (False: spent before)
audit_events     add([AuditEvent | EventFacts]), append(event_rows([...], dialect)) (the
                 writer's: rows made before the transaction keep SQLite's lock short),
                 existing(event_ids), replace_documents([AuditEvent | EventFacts]) (by event_id),
                 purge_before(cutoff) -> int, purge_batch_before(cutoff, limit=) -> int,
                 lookup(EventLookup) -> [AuditEvent], after(seq, limit=, account_id=,
                 since=, until=) -> [AuditEvent] (in the trail's order, for export);
                 last use from the trail (-> LastUse | None): access_key_last_used(key),
                 role_last_assumed(role), user_last_signed_in(user), user_last_called(user)
token_keys       add(key_id, sealed_key, now=, current=), list(), current(),
                 make_current(key_id), delete(key_id)

Errors (not RamstsErrors — services map them): :class:`Conflict` (``.entity`` is the
``EntityAlreadyExists`` suffix: ``User``, ``Group``, ``Role``, ``Policy``, ``User.Group``,
``User.Policy``, ``Group.Policy``, ``Role.Policy``, ``User.LoginProfile``, ``User.MFADevice``,
``VirtualMFADevice``, ``AccountAlias``, ``OIDCProvider``, ``SAMLProvider``),
:class:`ReferenceMissing` (a row referred to is gone), :class:`InvalidMarker` (map to
``InvalidParameter.Marker``), :class:`SchemaError`.

The store does not enforce RAM's business rules (quotas, ``DeleteConflict.*``): it offers the
counts (``count*``, ``dependents``) for services to check inside the same transaction.
Identifiers: :mod:`ramsts.store.ids` (``new_access_key_id()`` for services that mint keys).
"""

from ramsts.store.database import DEFAULT_URL, Store, open_store
from ramsts.store.engine import shown_url
from ramsts.store.errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidMarker,
    ReferenceMissing,
    SchemaError,
    StoreError,
)
from ramsts.store.event_documents import UNKNOWN_IDENTITY
from ramsts.store.ids import new_access_key_id
from ramsts.store.invalidations import InvalidationListener
from ramsts.store.paging import DEFAULT_MAX_ITEMS
from ramsts.store.records import (
    AccessKey,
    AccessKeyOwner,
    AccessKeyStatus,
    Account,
    AccountSettings,
    AttachedPolicy,
    AuditEvent,
    EffectivePolicy,
    EventFacts,
    EventLookup,
    EventPosition,
    Group,
    GroupMember,
    GroupMembership,
    LastUse,
    LoginProfile,
    OidcProvider,
    Page,
    Policy,
    PolicyEntities,
    PolicyType,
    PolicyVersion,
    PrincipalType,
    Role,
    SamlProvider,
    Tag,
    TagResourceType,
    TokenKey,
    User,
    UserDependents,
    VirtualMfaDevice,
)
from ramsts.store.repositories.audit_rows import EventRows, event_rows
from ramsts.store.transaction import Transaction

__all__ = [
    "DEFAULT_MAX_ITEMS",
    "DEFAULT_URL",
    "UNKNOWN_IDENTITY",
    "AccessKey",
    "AccessKeyOwner",
    "AccessKeyStatus",
    "Account",
    "AccountSettings",
    "AttachedPolicy",
    "AuditEvent",
    "Conflict",
    "DatabaseUnavailable",
    "EffectivePolicy",
    "EventFacts",
    "EventLookup",
    "EventPosition",
    "EventRows",
    "Group",
    "GroupMember",
    "GroupMembership",
    "InvalidMarker",
    "InvalidationListener",
    "LastUse",
    "LoginProfile",
    "OidcProvider",
    "Page",
    "Policy",
    "PolicyEntities",
    "PolicyType",
    "PolicyVersion",
    "PrincipalType",
    "ReferenceMissing",
    "Role",
    "SamlProvider",
    "SchemaError",
    "Store",
    "StoreError",
    "Tag",
    "TagResourceType",
    "TokenKey",
    "Transaction",
    "User",
    "UserDependents",
    "VirtualMfaDevice",
    "event_rows",
    "new_access_key_id",
    "open_store",
    "shown_url",
]
