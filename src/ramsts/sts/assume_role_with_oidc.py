"""AssumeRoleWithOIDC (api.md §8.3): an ID token of a trusted OIDC provider buys a role session.

The request is unsigned, as on the real service: the ID token is the credential. It is allowed
when

1. ``OIDCProviderArn`` names an OIDC provider that exists (Ims ``CreateOIDCProvider``), else
   ``AuthenticationFail.NoPermission`` "No such OIDC Provider registered." (401);
2. the token verifies against it (:func:`ramsts.federation.verify_id_token`: signature by the
   issuer's key, ``iss``, ``aud``, times; the issuer's certificate fingerprint);
3. the role exists (``EntityNotExist.Role``, 404) and its trust policy trusts the provider —
   ``"Principal": {"Federated": ["acs:ram::<uid>:oidc-provider/<name>"]}`` — with its
   conditions met by ``oidc:iss``, ``oidc:aud`` (every audience of the token), ``oidc:sub`` and
   ``sts:RoleSessionName``; otherwise ``AuthenticationFail.NoPermission`` (401). There is no
   identity half: the caller is the IdP's subject, which has no RAM policies.

The session is then issued by :meth:`ramsts.sts.assume_role.AssumeRole.issue`, as for AssumeRole:
the same DurationSeconds range, session policy, token, revocation and guard. Its principal is the
provider's ARN; requests made with it act as ``acs:ram::<uid>:assumed-role/<role>/<session>``.

The provider is looked up once and kept for at most :data:`PROVIDER_CACHE_TTL` (like roles), so
the action runs on the event loop while its caches are warm; the issuer's keys are kept by
:class:`~ramsts.federation.IssuerKeys`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ramsts.caching import Caches
from ramsts.errors import AuthenticationFail, EntityNotExist
from ramsts.federation import IdToken, IssuerKeys, verify_id_token
from ramsts.policy import Principal, evaluate_trust
from ramsts.store import OidcProvider, Store
from ramsts.sts.assume_role import AssumeRole, IssuedSession, SessionRequest, session_policy
from ramsts.sts.federated_targets import FederatedTarget
from ramsts.types import Clock, system_clock

PROVIDER_CACHE_TTL = 1.0
PROVIDERS_KEPT = 10_000
MISSING_PROVIDERS_KEPT = 1_000

NO_SUCH_PROVIDER = "No such OIDC Provider registered."


@dataclass(frozen=True, slots=True)
class AssumeRoleWithOIDCRequest:
    """What AssumeRoleWithOIDC is asked, as the wire (:mod:`ramsts.sts.wire.federation`) read
    and checked it."""

    target: FederatedTarget
    token: str = field(repr=False)
    """The ID token: a bearer credential."""
    session_name: str
    duration_seconds: int | None
    policy_text: str | None


@dataclass(frozen=True, slots=True)
class OIDCSession:
    """A role session bought with an ID token, and what the token said."""

    session: IssuedSession
    token: IdToken


@dataclass(frozen=True, slots=True)
class _CachedProvider:
    provider: OidcProvider | None


_ProviderKey = tuple[str, str]


class AssumeRoleWithOIDC:
    """The AssumeRoleWithOIDC action. Thread-safe; one per process."""

    def __init__(
        self,
        store: Store,
        assume_role: AssumeRole,
        issuer_keys: IssuerKeys,
        *,
        clock: Clock = system_clock,
        provider_cache_ttl: float = PROVIDER_CACHE_TTL,
        monotonic: Callable[[], float] = time.monotonic,
        caches: Caches | None = None,
    ) -> None:
        """``caches``: the process's (see :class:`~ramsts.sts.assume_role.AssumeRole`)."""
        self._store = store
        self._assume_role = assume_role
        self._keys = issuer_keys
        self._clock = clock
        self._providers = (caches or Caches()).cache(
            "oidc_providers",
            limit=PROVIDERS_KEPT,
            max_age=provider_cache_ttl,
            absent_limit=MISSING_PROVIDERS_KEPT,
            is_absent=_no_provider,
            scope=_account_of_provider,
            refreshed=True,
            monotonic=monotonic,
        )

    def assume(self, request: AssumeRoleWithOIDCRequest) -> OIDCSession:
        """Anonymous by design: the ID token is the credential (a signed request is served the
        same, its signer playing no part)."""
        policy = None if request.policy_text is None else session_policy(request.policy_text)
        provider = self._provider(request.target.provider_account_id, request.target.provider_name)
        if provider is None:
            raise AuthenticationFail("NoPermission", NO_SUCH_PROVIDER)
        token = verify_id_token(request.token, provider, self._keys, self._clock())
        cached = self._assume_role.role(request.target.role_account_id, request.target.role_name)
        role, trust = cached.role, cached.trust
        if role is None or trust is None:
            raise EntityNotExist("Role", f"The role does not exist: {request.target.role_arn}.")
        decision = evaluate_trust(
            trust,
            Principal(arn=provider.arn, account_id=provider.account_id, type="Federated"),
            _condition_keys(token, request.session_name),
            action="sts:AssumeRoleWithOIDC",
            principal_ids=dict(role.trusted_principal_ids),
        )
        if not decision.allowed:
            raise AuthenticationFail(
                "NoPermission",
                f"There is no permission: the trust policy of the role {role.role_name} does not"
                f" allow the OIDC provider {provider.provider_name} (sub {token.subject!r}) to"
                " assume it.",
            )
        session = self._assume_role.issue(
            role,
            SessionRequest(
                session_name=request.session_name,
                duration_seconds=request.duration_seconds,
                session_policy=policy,
                principal_arn=provider.arn,
            ),
        )
        return OIDCSession(session, token)

    def _provider(self, account_id: str, name: str) -> OidcProvider | None:
        return self._providers.get((account_id, name.lower()), self._load_provider).provider

    def _load_provider(self, key: _ProviderKey) -> _CachedProvider:
        account_id, name = key
        with self._store.read() as tx:
            return _CachedProvider(tx.oidc_providers.get(account_id, name))


def _no_provider(cached: _CachedProvider) -> bool:
    return cached.provider is None


def _account_of_provider(key: _ProviderKey, _: _CachedProvider) -> str:
    return key[0]


def _condition_keys(token: IdToken, session_name: str) -> dict[str, str | list[str]]:
    return {
        "oidc:iss": token.issuer,
        "oidc:aud": list(token.audiences),
        "oidc:sub": token.subject,
        "sts:RoleSessionName": session_name,
    }
