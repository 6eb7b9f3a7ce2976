"""AssumeRole (api.md §8.1; policy-language §4.4–4.6, decisions 2, 9, 11, 12).

A RAM user or a role session asks for temporary credentials of a role. The call is allowed only
when both halves agree (§4.4): the caller's own policies allow ``sts:AssumeRole`` on the role's
ARN (for a role session: the role's policies narrowed by its session policy), and the role's
trust policy (``AssumeRolePolicyDocument``) trusts the caller, its conditions met. An explicit
Deny on either side wins (decision 12). An account's root may never assume a role.

The credentials are stateless: the session's claims are sealed into the SecurityToken with the
key ring, so nothing is written to the database. A role is looked up once and then kept for at
most :data:`ROLE_CACHE_TTL` (like the authorizer's policies); a change to a role's trust policy
or MaxSessionDuration made by any process is therefore in force for AssumeRole within a second
(at once on PostgreSQL, whose notification invalidates the account's roles, see
:mod:`ramsts.caching`).
The trust policy is parsed once per text: a role read again with the same document keeps it.
A session policy is parsed once per text too (the last :data:`SESSION_POLICY_CACHE_SIZE`):
applications tend to send the same one with every call.

The RoleArn is the caller's to choose, so the role cache is bounded twice over: at most
:data:`ROLES_KEPT` roles that exist, and apart from them at most :data:`MISSING_ROLES_KEPT` names
that named no role. Asking for made-up roles therefore neither grows memory nor pushes the
roles in use out of the cache (which would send their callers to the database).

A role session's ``SourceIdentity`` persists through a role chain and cannot be changed: the
session it assumes carries the same one, whether the request repeats it or leaves it out, and a
request that names another is refused (:meth:`AssumeRoleRequest.in_session_of`).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol

from ramsts.caching import Caches
from ramsts.caller import Caller
from ramsts.crypto import new_sts_access_key_id, new_sts_access_key_secret
from ramsts.errors import EntityNotExist, InvalidParameter, NoPermission
from ramsts.loop_work import off_loop
from ramsts.policy import Decision, Policy, Principal, evaluate_trust, parse_policy
from ramsts.policy.parser import PolicyLimits
from ramsts.ram.authorization import Authorizer
from ramsts.store import Role, Store
from ramsts.tokens import KeyRing, SessionClaims
from ramsts.types import Clock, system_clock

ROLE_CACHE_TTL = 1.0
"""Seconds a role (and its parsed trust policy) is reused without reading the store again."""

SESSION_POLICY_CACHE_SIZE = 256
"""Distinct session policy texts whose checked, compact form is kept."""

SESSION_POLICY_CACHED_CHARS = 8 * 1024
"""Longest session policy text kept as a key of that cache. The size limit counts no
whitespace, so a valid text may be padded to the whole request body (1 MiB); such a text is
checked afresh each time rather than kept."""

ROLES_KEPT = 10_000
"""Roles (each with its parsed trust policy) one process keeps at most."""

MISSING_ROLES_KEPT = 1_000
"""Names of roles that did not exist that one process remembers at most, apart from
:data:`ROLES_KEPT`."""

KEY_RING_REFRESH_INTERVAL = 10.0
"""Seconds between two looks at the stored key ring before minting: a key rotated by another
process (``ramsts keys rotate``) mints here within this time."""

MIN_DURATION_SECONDS = 900
DEFAULT_DURATION_SECONDS = 3600
CHAINED_SESSION_LIMIT = 3600
"""Longest session a role session may obtain by assuming another role (decision 11)."""

ROOT_REFUSED = "Roles may not be assumed by root accounts."
NOT_AUTHORIZED = "You are not authorized to do this action. You should be authorized by RAM."
SOURCE_IDENTITY_FIXED = (
    "You are not authorized to do this action. The SourceIdentity of a role session cannot be"
    " changed: this session's is {inherited}, the request asks for {requested}. Pass the same"
    " SourceIdentity, or none."
)

ROLE_ARN = re.compile(r"acs:ram::([0-9]{1,32}):role/([A-Za-z0-9._-]{1,64})")
ROLE_SESSION_NAME = re.compile(r"[A-Za-z0-9.@_-]{2,64}")
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
RESERVED_SOURCE_IDENTITY_PREFIXES = ("acs:", "aliyun:", "alibabacloud:")

# The trust policy was checked when the role was written; reading it back must not fail on a
# size limit that was lower then.
_STORED_TRUST_LIMITS = PolicyLimits(identity=1 << 20, session=1 << 20, trust=1 << 20)


class KeyRingSource(Protocol):
    """The key ring as the store holds it (``ramsts.services.StoredKeyRing``)."""

    def current(self) -> KeyRing: ...

    def reload(self) -> KeyRing: ...


@dataclass(frozen=True, slots=True)
class AssumeRoleRequest:
    """What AssumeRole is asked: the role (its ARN and what it names), the session's name and
    wishes. Built by the wire (:mod:`ramsts.sts.wire.assume_role`), which checks each parameter
    against its rule of §8.1 as it reads it, in the order the real service does."""

    account_id: str
    role_name: str
    role_arn: str
    session_name: str
    duration_seconds: int | None
    policy_text: str | None
    external_id: str | None
    source_identity: str | None

    def in_session_of(self, caller: Caller) -> AssumeRoleRequest:
        """This request as ``caller`` may make it: a role session that carries a SourceIdentity
        passes it on to the session it assumes (so its condition key and the new token carry
        it), and may not change it: ``NoPermission`` (403) for another value. A session without
        one may set it, as a RAM user may."""
        inherited = caller.source_identity if caller.is_role_session else None
        if inherited is None or self.source_identity == inherited:
            return self
        if self.source_identity is not None:
            raise NoPermission(
                None,
                SOURCE_IDENTITY_FIXED.format(
                    inherited=quoted(inherited), requested=quoted(self.source_identity)
                ),
            )
        return replace(self, source_identity=inherited)

    def condition_keys(self) -> dict[str, str]:
        """The STS condition keys this request fills in (decision 9); absent ones stay absent."""
        keys = {"sts:RoleSessionName": self.session_name}
        if self.external_id is not None:
            keys["sts:ExternalId"] = self.external_id
        if self.source_identity is not None:
            keys["sts:SourceIdentity"] = self.source_identity
        return keys


def checked_source_identity(value: str | None) -> str | None:
    """A SourceIdentity as given (the request's, or an identity provider's), checked: 2 to 64
    of letters, digits and `_+=,.@-`, no reserved prefix; ``InvalidParameter.SourceIdentity``."""
    if value is None:
        return None
    if value.lower().startswith(RESERVED_SOURCE_IDENTITY_PREFIXES):
        raise InvalidParameter(
            "SourceIdentity",
            "The parameter SourceIdentity must not start with acs:, aliyun: or alibabacloud:.",
        )
    if SOURCE_IDENTITY.fullmatch(value) is None:
        raise InvalidParameter(
            "SourceIdentity",
            "The parameter SourceIdentity is wrongly formed: it must be 2 to 64 letters, digits"
            f" or any of _+=,.@-; got {quoted(value)}.",
        )
    return value


def quoted(value: str) -> str:
    """A request's value as AssumeRole's messages quote it: JSON, at most 64 characters."""
    return json.dumps(value if len(value) <= 64 else value[:64] + "…", ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """What a role session is issued for, once the role's trust (and for a RAM caller its own
    policies) allowed it: see :meth:`AssumeRole.issue`."""

    session_name: str
    duration_seconds: int | None
    """As requested; ``None`` for the default (3,600, or the role's limit when lower)."""
    session_policy: str | None
    """Checked by :func:`session_policy`."""
    principal_arn: str
    """Who assumes the role: the caller's ARN, or the identity provider's."""
    source_identity: str | None = None
    chained: bool = False
    mfa_present: bool = False


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A role session's temporary credentials: its claims, sealed into ``security_token``."""

    claims: SessionClaims
    security_token: str


@dataclass(frozen=True, slots=True)
class CachedRole:
    role: Role | None
    trust: Policy | None


_RoleKey = tuple[str, str]
"""(account id, role name in lower case): role names match whatever their letter case."""


class AssumeRole:
    """The AssumeRole action. Thread-safe; one per process."""

    def __init__(
        self,
        store: Store,
        authorizer: Authorizer,
        key_ring: KeyRingSource,
        *,
        clock: Clock = system_clock,
        role_cache_ttl: float = ROLE_CACHE_TTL,
        chained_session_limit: int = CHAINED_SESSION_LIMIT,
        monotonic: Callable[[], float] = time.monotonic,
        caches: Caches | None = None,
    ) -> None:
        """``caches``: the process's (whose refresh-ahead reloads roles in use before they
        expire, and whose invalidations reach them); without it, caches of its own."""
        self._store = store
        self._authorizer = authorizer
        self._key_ring = key_ring
        self._clock = clock
        self._chained_limit = chained_session_limit
        self._monotonic = monotonic
        self._roles = (caches or Caches()).cache(
            "roles",
            limit=ROLES_KEPT,
            max_age=role_cache_ttl,
            absent_limit=MISSING_ROLES_KEPT,
            is_absent=_no_role,
            scope=_account_of_role,
            refreshed=True,
            monotonic=monotonic,
        )
        self._ring_checked_at = monotonic()
        self._ring_lock = threading.Lock()

    def assume(self, caller: Caller, request: AssumeRoleRequest) -> IssuedSession:
        """A session of the requested role for ``caller``, once both halves allow it."""
        request = request.in_session_of(caller)
        policy = None if request.policy_text is None else session_policy(request.policy_text)
        if caller.is_root:
            raise NoPermission(None, ROOT_REFUSED)
        cached = self.role(request.account_id, request.role_name)
        self._authorize(caller, request, cached)
        role = cached.role
        if role is None or cached.trust is None:  # _authorize refuses a missing role
            raise EntityNotExist("Role", f"The role does not exist: {request.role_arn}.")
        return self.issue(
            role,
            SessionRequest(
                session_name=request.session_name,
                duration_seconds=request.duration_seconds,
                session_policy=policy,
                principal_arn=caller.arn,
                source_identity=request.source_identity,
                chained=caller.is_role_session,
                mfa_present=caller.context.get("acs:MFAPresent") == "true",
            ),
        )

    def issue(self, role: Role, session: SessionRequest) -> IssuedSession:
        """Temporary credentials of ``role`` for a session both halves of the decision allowed.
        Every way of assuming a role
        (AssumeRole, AssumeRoleWithOIDC) issues through here, so that DurationSeconds, the
        session policy, revocation and the token are one and the same for all."""
        duration = self._duration(role, session)
        claims = self._claims(role, session, duration)
        return IssuedSession(claims, self._minting_ring().mint(claims))

    def forget_role(self, account_id: str, role_name: str) -> None:
        """Drop a cached role after this process changed it (its sessions were revoked)."""
        self._roles.discard((account_id, role_name.lower()))

    def cache_sizes(self) -> dict[str, int]:
        """How many entries each cache holds now: ``roles`` (at most :data:`ROLES_KEPT`) and
        ``missing_roles`` (at most :data:`MISSING_ROLES_KEPT`)."""
        return {"roles": len(self._roles), "missing_roles": self._roles.absent_count()}

    # -- the two halves of the decision ------------------------------------------------------

    def _authorize(self, caller: Caller, request: AssumeRoleRequest, cached: CachedRole) -> None:
        """Identity and trust must both allow; an explicit Deny on either side wins.

        When the identity side refuses, the authorizer raises with its AccessDeniedDetail. A
        refusal by the trust policy names the policy type only: the trust policy belongs to the
        role's account, which may not be the caller's, so its statements are not disclosed.
        """
        conditions = request.condition_keys()
        resource = cached.role.arn if cached.role is not None else request.role_arn
        # The trust policy is the role account's half, so the identity half may name a role of
        # another account.
        identity = self._authorizer.decide(
            caller, "sts:AssumeRole", resource, conditions, with_resource_policy=True
        )
        if cached.role is None or cached.trust is None:
            if not identity.allowed:
                self._authorizer.require(
                    caller, "sts:AssumeRole", resource, conditions, with_resource_policy=True
                )
            raise EntityNotExist("Role", f"The role does not exist: {request.role_arn}.")
        trust = evaluate_trust(
            cached.trust,
            _principal(caller),
            {**caller.context, **conditions},
            # A named user or role is trusted by its stable id (R36): never one that took its
            # name after the trust policy was written.
            principal_ids=dict(cached.role.trusted_principal_ids),
        )
        if identity.effect == "ExplicitDeny" or (
            not identity.allowed and trust.effect != "ExplicitDeny"
        ):
            self._authorizer.require(
                caller, "sts:AssumeRole", resource, conditions, with_resource_policy=True
            )
        if not trust.allowed:
            raise _trust_denial(caller, trust)

    def _duration(self, role: Role, session: SessionRequest) -> int:
        limit = role.max_session_duration
        if session.chained:
            limit = min(limit, self._chained_limit)
        duration = session.duration_seconds
        if duration is None:
            duration = min(DEFAULT_DURATION_SECONDS, limit)
        if not MIN_DURATION_SECONDS <= duration <= limit:
            chained = " (a role session assuming a role)" if session.chained else ""
            raise InvalidParameter(
                "DurationSeconds",
                f"The Min/Max value of DurationSeconds is {MIN_DURATION_SECONDS}/{limit} seconds"
                f" for this role{chained}; got {duration}.",
            )
        return duration

    def _claims(self, role: Role, session: SessionRequest, duration: int) -> SessionClaims:
        issued_at = self._clock().astimezone(UTC).replace(microsecond=0)
        if role.sessions_not_before is not None and issued_at < role.sessions_not_before:
            # Tokens carry whole seconds; a session begun in the second of a revocation but
            # after it is dated at the next second, so that the revocation does not refuse it.
            issued_at = datetime.fromtimestamp(math.ceil(role.sessions_not_before.timestamp()), UTC)
        return SessionClaims(
            account_id=role.account_id,
            role_id=role.role_id,
            role_name=role.role_name,
            session_name=session.session_name,
            access_key_id=new_sts_access_key_id(),
            access_key_secret=new_sts_access_key_secret(),
            issued_at=issued_at,
            expires_at=issued_at + timedelta(seconds=duration),
            principal_arn=session.principal_arn,
            session_policy=session.session_policy,
            source_identity=session.source_identity,
            chained=session.chained,
            mfa_present=session.mfa_present,
        )

    # -- caches -----------------------------------------------------------------------------

    def role(self, account_id: str, role_name: str) -> CachedRole:
        """The role and its parsed trust policy (``role`` ``None`` when there is none), from the
        cache every way of assuming a role shares."""
        return self._roles.get((account_id, role_name.lower()), self._load_role)

    def _load_role(self, key: _RoleKey) -> CachedRole:
        account_id, role_name = key
        previous = self._roles.peek(key)
        with self._store.read() as tx:
            role = tx.roles.get(account_id, role_name)
        return CachedRole(role, _trust_policy(role, previous))

    def _minting_ring(self) -> KeyRing:
        """The ring to mint with, looking at the store every KEY_RING_REFRESH_INTERVAL so that
        a rotation made elsewhere reaches this process without a restart."""
        now = self._monotonic()
        if now - self._ring_checked_at < KEY_RING_REFRESH_INTERVAL:
            return self._key_ring.current()
        # The whole locked step off the loop: a lock held across a wait on the loop would stop
        # it when another request's work on the loop waited for the same lock.
        return off_loop(self._checked_ring, now)

    def _checked_ring(self, now: float) -> KeyRing:
        with self._ring_lock:
            if now - self._ring_checked_at >= KEY_RING_REFRESH_INTERVAL:
                ring = self._key_ring.reload()
                self._ring_checked_at = now
                return ring
        return self._key_ring.current()


def _no_role(cached: CachedRole) -> bool:
    return cached.role is None


def _account_of_role(key: _RoleKey, _: CachedRole) -> str:
    return key[0]


def _trust_policy(role: Role | None, previous: CachedRole | None) -> Policy | None:
    """The role's trust policy parsed, or the one parsed before when its text is unchanged."""
    if role is None:
        return None
    document = role.assume_role_policy_document
    if (
        previous is not None
        and previous.role is not None
        and previous.trust is not None
        and previous.role.assume_role_policy_document == document
    ):
        return previous.trust
    return parse_policy(document, "trust", limits=_STORED_TRUST_LIMITS)


def session_policy(text: str) -> str:
    """The session policy checked, as the compact JSON of its parsed form that the token carries.

    A text that does not parse raises (its ``PolicyError``), and nothing is cached for it; one
    longer than :data:`SESSION_POLICY_CACHED_CHARS` is checked without being kept.
    """
    if len(text) > SESSION_POLICY_CACHED_CHARS:
        return _checked_session_policy(text)
    return _kept_session_policy(text)


def _checked_session_policy(text: str) -> str:
    policy = parse_policy(text, "session")
    return json.dumps(policy.dump(), separators=(",", ":"), ensure_ascii=False)


# Pure memoisation of a function of the text (no store data, nothing to invalidate).
_kept_session_policy = lru_cache(maxsize=SESSION_POLICY_CACHE_SIZE)(_checked_session_policy)


def _principal(caller: Caller) -> Principal:
    """The caller as trust policies see it, with the id a named principal is bound to: the
    session token's RoleId, or the RAM user's UserId."""
    if caller.is_role_session:
        return Principal(
            arn=caller.arn,
            account_id=caller.account_id,
            type="AssumedRoleUser",
            role_arn=f"acs:ram::{caller.account_id}:role/{caller.role_name}",
            entity_id=caller.role_id,
        )
    return Principal(
        arn=caller.arn, account_id=caller.account_id, type="RAMUser", entity_id=caller.user_id
    )


def _trust_denial(caller: Caller, decision: Decision) -> NoPermission:
    return NoPermission(
        None,
        f"{NOT_AUTHORIZED} The role's trust policy does not allow {caller.arn} to assume it.",
        detail={
            "AuthAction": "sts:AssumeRole",
            "AuthPrincipalType": "AssumedRoleUser" if caller.is_role_session else "SubUser",
            "AuthPrincipalDisplayName": caller.display_name,
            "AuthPrincipalOwnerId": caller.account_id,
            "NoPermissionType": decision.effect,
            "PolicyType": "ResourceBasedPolicy",
        },
    )
