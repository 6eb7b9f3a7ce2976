"""The authorizer: may this caller perform this action on this resource?

* An account's root may do anything within its own account (policy-language decision 12 does not
  apply to it: no policy can restrict a root).
* A RAM user is allowed by its own policies and its groups' policies (default versions).
* A role session is allowed by the role's policies, narrowed by the session policy frozen into its
  token (``caller.session_policy``) when there is one.
* An explicit Deny anywhere wins.
* Identity policies grant access to the resources of the principal's own account only
  (:mod:`ramsts.ram.ownership`): another account's resource is an ImplicitDeny whatever they say,
  for roots too. Only AssumeRole, which also evaluates the role's trust policy (its account's
  consent), asks for the identity half alone (``with_resource_policy=True``).

It knows no RAM action: STS and the resource-service guard ask it the same question with their
own action names (``sts:AssumeRole``, ``oss:GetObject``).

Steady-state authorization needs no database round trip: each principal's policies are compiled
once and kept for at most :data:`MAX_CACHE_TTL` (one second), at most :data:`PRINCIPALS_KEPT` of
them, in the process's caches (:mod:`ramsts.caching`). A change committed in this process
invalidates the account in every cache at once (:meth:`Authorizer.invalidate`); one committed
in another process does on PostgreSQL when its notification arrives, and on SQLite within the
TTL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from ramsts.caching import Cache, Caches
from ramsts.caller import Caller
from ramsts.config import MAX_CACHE_MAX_AGE
from ramsts.crypto import MasterKey
from ramsts.errors import InternalError, NoPermission
from ramsts.policy import (
    SESSION_POLICY_NAME,
    Decision,
    PolicyError,
    PolicyLimits,
    PolicySet,
    Request,
    compile_policy_set,
    evaluate,
    parse_policy,
)
from ramsts.policy.document import Policy
from ramsts.policy.request import ContextValue
from ramsts.ram.diagnostics import Denial, PolicySource, seal_denial
from ramsts.ram.ownership import foreign_refused, is_foreign
from ramsts.store import EffectivePolicy, Store

logger = logging.getLogger(__name__)

MAX_CACHE_TTL = 1.0
"""Seconds, by default, a principal's compiled policies are trusted without a reload (a server
takes ``RAMSTS_CACHE_MAX_AGE``)."""

PRINCIPALS_KEPT = 10_000
"""Principals (RAM users, roles) whose compiled policies one process keeps at most."""

PARSED_KEPT = 4096
"""Parsed policy versions, and compiled session policies, one process keeps at most."""

PARSED_MAX_AGE = 600.0
"""Seconds a parsed policy version is kept: a version's document never changes, so this only
lets versions no longer in use go."""

# Stored documents were validated when written; reading them back must not fail on a size limit
# that was lower when they were written, or on a system policy larger than a custom one may be.
_STORED_LIMITS = PolicyLimits(identity=1 << 20, session=1 << 20, trust=1 << 20)

_ROOT_ALLOWED = Decision("Allow")

_ROLE_SESSION = "AssumedRoleUser"

MESSAGE = "You are not authorized to do this action. Resource: {resource} Action: {action}"


class PrincipalPolicies:
    """A principal's identity policies, compiled, with where each came from."""

    __slots__ = ("policy_set", "sources")

    def __init__(self, effective: Sequence[EffectivePolicy], parse: Callable[..., Policy]) -> None:
        self.sources: dict[str, PolicySource] = {}
        named: list[tuple[str, Policy]] = []
        for found in effective:
            named.append((found.policy_name, parse(found)))
            self.sources[found.policy_name] = PolicySource(
                policy_type=found.policy_type,
                version_id=found.version_id,
                attached_to=found.attached_to,
                group_name=found.group_name,
            )
        self.policy_set: PolicySet = compile_policy_set(named)


class Authorizer:
    """Decides requests for every product. Thread-safe; share one per process."""

    def __init__(
        self,
        store: Store,
        master_key: MasterKey,
        *,
        ttl: float = MAX_CACHE_TTL,
        monotonic: Callable[[], float] = time.monotonic,
        caches: Caches | None = None,
    ) -> None:
        """``caches``: the process's (whose refresh-ahead reloads principals' policies in use
        before they expire, and whose invalidations reach them); without it, caches of its
        own."""
        if not 0 <= ttl <= MAX_CACHE_MAX_AGE:
            raise ValueError(f"the policy cache TTL must be between 0 and {MAX_CACHE_MAX_AGE} s")
        caches = caches or Caches()
        self._caches = caches
        self._store = store
        self._master_key = master_key
        self._principals: Cache[_PrincipalKey, PrincipalPolicies] = caches.cache(
            "principal_policies",
            limit=PRINCIPALS_KEPT,
            max_age=ttl,
            scope=_account_of_principal,
            refreshed=True,
            monotonic=monotonic,
        )
        # A version's document never changes: these are keyed by what they were parsed from.
        self._parsed: Cache[tuple[str, str], Policy] = caches.cache(
            "policy_versions",
            limit=PARSED_KEPT,
            max_age=PARSED_MAX_AGE,
            fills_in_place=True,
            monotonic=monotonic,
        )
        self._sessions: Cache[str, PolicySet] = caches.cache(
            "session_policies",
            limit=PARSED_KEPT,
            max_age=PARSED_MAX_AGE,
            fills_in_place=True,
            monotonic=monotonic,
        )

    def require(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
        *,
        with_resource_policy: bool = False,
    ) -> None:
        """Return if ``caller`` may do ``action`` on ``resource``; raise ``NoPermission`` (403)
        with its ``AccessDeniedDetail`` otherwise. ``with_resource_policy``: see :meth:`decide`."""
        decision, sources = self._decide(caller, action, resource, context, with_resource_policy)
        if decision.allowed:
            return
        denial = Denial(caller, action, resource, decision, sources, dict(context or {}))
        raise NoPermission(
            None,
            MESSAGE.format(resource=resource, action=action),
            # The API renders ``detail`` as the envelope's AccessDeniedDetail object.
            detail=denial.detail(seal_denial(self._master_key, denial)),
        )

    def decide(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
        *,
        with_resource_policy: bool = False,
    ) -> Decision:
        """The decision as a value, with its deciding statements (for simulators and tests).

        ``with_resource_policy=True`` asks for the identity half only, for a caller that
        evaluates the resource's own policy as the other half (AssumeRole and the role's trust
        policy): then the identity policies may allow a resource of another account, which that
        policy must allow too."""
        return self._decide(caller, action, resource, context, with_resource_policy)[0]

    def invalidate(self, account_id: str) -> None:
        """Forget what every cache of the process holds of an account; call it after a change
        to its principals, policies, keys or roles has committed."""
        self._caches.invalidate(account_id)

    def _decide(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None,
        with_resource_policy: bool,
    ) -> tuple[Decision, Mapping[str, PolicySource]]:
        foreign = is_foreign(resource, caller.account_id)
        if caller.is_root:
            # No policy applies to a root: its own account's resources, and no other's (a root
            # assumes no role, so no resource policy can let it in either).
            return (foreign_refused(_ROOT_ALLOWED) if foreign else _ROOT_ALLOWED), {}
        request = Request(
            action=action, resource=resource, context={**caller.context, **(context or {})}
        )
        policies = self._policies_of(caller)
        session = self._session_policy(caller.session_policy) if caller.is_role_session else None
        decision = evaluate(request, policies.policy_set, session)
        if foreign and not with_resource_policy:
            decision = foreign_refused(decision)
        return decision, policies.sources

    def _policies_of(self, caller: Caller) -> PrincipalPolicies:
        principal = caller.role_id if caller.is_role_session else caller.user_id
        key = (caller.account_id, caller.identity_type, principal)
        return self._principals.get(key, self._reload)

    def _reload(self, key: _PrincipalKey) -> PrincipalPolicies:
        return PrincipalPolicies(self._load(key), self._parse_stored)

    def _load(self, key: _PrincipalKey) -> list[EffectivePolicy]:
        _, identity_type, principal = key
        if principal is None:
            return []
        with self._store.read() as tx:
            if identity_type == _ROLE_SESSION:
                return tx.attachments.effective_for_role(principal)
            return tx.attachments.effective_for_user(principal)

    def _parse_stored(self, found: EffectivePolicy) -> Policy:
        return self._parsed.get(
            (found.policy_id, found.version_id), lambda _: _parsed_version(found)
        )

    def _session_policy(self, text: str | None) -> PolicySet | None:
        if not text:
            return None
        return self._sessions.get(text, _compiled_session_policy)


_PrincipalKey = tuple[str, str, "str | None"]
"""(account id, identity type, user or role id)."""


def _account_of_principal(key: _PrincipalKey, _: PrincipalPolicies) -> str:
    return key[0]


def _parsed_version(found: EffectivePolicy) -> Policy:
    try:
        return parse_policy(found.policy_document, "identity", limits=_STORED_LIMITS)
    except PolicyError as error:
        # Fail closed: skipping the policy could drop one of its Deny statements.
        logger.error(
            "stored policy %s %s does not parse: %s",
            found.policy_name,
            found.version_id,
            error.message,
        )
        raise InternalError() from error


def _compiled_session_policy(text: str) -> PolicySet:
    try:
        policy = parse_policy(text, "session", limits=_STORED_LIMITS)
    except PolicyError as error:
        logger.error("a session policy in a valid token does not parse: %s", error.message)
        raise InternalError() from error
    return compile_policy_set([(SESSION_POLICY_NAME, policy)])
