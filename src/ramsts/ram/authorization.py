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
once and kept for at most :data:`MAX_CACHE_TTL` (one second). A change made in this process calls
:meth:`Authorizer.invalidate` for the account after it commits, so this process sees it at once;
other processes see it within the TTL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence

from ramsts.cache_refresh import RefreshAhead, cached_or_loaded
from ramsts.caller import Caller
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
"""Longest time, in seconds, a principal's compiled policies are trusted without a reload."""

_PARSED_LIMIT = 4096
"""Parsed policy versions (and session policies) remembered before the memo starts afresh."""

# Stored documents were validated when written; reading them back must not fail on a size limit
# that was lower when they were written, or on a system policy larger than a custom one may be.
_STORED_LIMITS = PolicyLimits(identity=1 << 20, session=1 << 20, trust=1 << 20)

_ROOT_ALLOWED = Decision("Allow")

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
        refresh: RefreshAhead | None = None,
    ) -> None:
        """``refresh`` reloads principals' policies in use before they expire (see
        :mod:`ramsts.cache_refresh`); without it they are reloaded when they have expired."""
        if not 0 <= ttl <= MAX_CACHE_TTL:
            raise ValueError(f"the policy cache TTL must be between 0 and {MAX_CACHE_TTL} s")
        self._refresh = refresh
        self._store = store
        self._master_key = master_key
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._principals: dict[tuple[str, str], tuple[float, PrincipalPolicies]] = {}
        self._generations: dict[str, int] = {}
        self._parsed: dict[tuple[str, str], Policy] = {}
        self._sessions: dict[str, PolicySet] = {}

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
        """Forget what is cached for an account; call it after a change to its principals'
        policies (attachments, memberships, versions, deletions) has committed."""
        with self._lock:
            self._generations[account_id] = self._generations.get(account_id, 0) + 1
            for key in [key for key in self._principals if key[0] == account_id]:
                del self._principals[key]

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
        key = (caller.account_id, f"{caller.identity_type}:{principal}")
        now = self._monotonic()
        with self._lock:
            cached = self._principals.get(key)
        if cached is None:
            return self._reload(caller, key)
        expires_at, policies = cached
        age = self._ttl - (expires_at - now)
        return cached_or_loaded(
            policies,
            age,
            self._ttl,
            self._reload,
            caller,
            key,
            refresh=self._refresh,
            entry=key,
            cache="principal_policies",
        )

    def _reload(self, caller: Caller, key: tuple[str, str]) -> PrincipalPolicies:
        now = self._monotonic()
        with self._lock:
            generation = self._generations.get(caller.account_id, 0)
        loaded = PrincipalPolicies(self._load(caller), self._parse_stored)
        with self._lock:
            # Keep it only if no invalidation happened while loading, or a stale read could
            # outlive the change that invalidated it.
            if self._generations.get(caller.account_id, 0) == generation:
                self._principals[key] = (now + self._ttl, loaded)
        return loaded

    def _load(self, caller: Caller) -> list[EffectivePolicy]:
        with self._store.read() as tx:
            if caller.is_role_session:
                return (
                    []
                    if caller.role_id is None
                    else tx.attachments.effective_for_role(caller.role_id)
                )
            return (
                [] if caller.user_id is None else tx.attachments.effective_for_user(caller.user_id)
            )

    def _parse_stored(self, found: EffectivePolicy) -> Policy:
        key = (found.policy_id, found.version_id)
        policy = self._parsed.get(key)
        if policy is None:
            try:
                policy = parse_policy(found.policy_document, "identity", limits=_STORED_LIMITS)
            except PolicyError as error:
                # Fail closed: skipping the policy could drop one of its Deny statements.
                logger.error(
                    "stored policy %s %s does not parse: %s",
                    found.policy_name,
                    found.version_id,
                    error.message,
                )
                raise InternalError() from error
            if len(self._parsed) >= _PARSED_LIMIT:
                self._parsed.clear()
            self._parsed[key] = policy
        return policy

    def _session_policy(self, text: str | None) -> PolicySet | None:
        if not text:
            return None
        compiled = self._sessions.get(text)
        if compiled is None:
            try:
                policy = parse_policy(text, "session", limits=_STORED_LIMITS)
            except PolicyError as error:
                logger.error("a session policy in a valid token does not parse: %s", error.message)
                raise InternalError() from error
            compiled = compile_policy_set([(SESSION_POLICY_NAME, policy)])
            if len(self._sessions) >= _PARSED_LIMIT:
                self._sessions.clear()
            self._sessions[text] = compiled
        return compiled
