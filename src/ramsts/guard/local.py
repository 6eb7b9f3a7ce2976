"""Local mode: the guard runs beside ramsts's own authentication and authorizer — inside the
server, or in a service that shares the database and the master key.

Verification is :class:`ramsts.authentication.Authenticator`'s (timestamp window, AccessKey
or SecurityToken, signature, nonce through the store); authorization is
:class:`ramsts.ram.authorization.Authorizer`'s (role sessions: role policies ∩ session policy).
Both cache what they load for at most one second, so an allowed request costs no database round
trip in steady state apart from the nonce, and a revocation or a policy change applies within one
second.

From async code (:meth:`ramsts.guard.Guard.check_async`) the same :meth:`LocalVerifier.verify`
therefore runs on the event loop (:mod:`ramsts.loop_work`), going to a worker thread only to fill
a cache, and waits for the nonce while the store writes it with those of other requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ramsts.authentication import Connection, RequestAuthenticator
from ramsts.caller import Caller
from ramsts.errors import NOT_AUTHORIZED, NoPermission
from ramsts.guard.context import request_context
from ramsts.guard.request import GuardRequest
from ramsts.guard.result import (
    GuardResult,
    Resources,
    VerifiedPrincipal,
    all_allowed,
    as_resources,
    resolve_resource,
)
from ramsts.policy import Decision
from ramsts.policy.request import ContextValue
from ramsts.signing import SignedRequest


class Authorizes(Protocol):
    """:class:`ramsts.ram.authorization.Authorizer`, as the guard uses it."""

    def decide(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
    ) -> Decision: ...

    def require(
        self,
        caller: Caller,
        action: str,
        resource: str,
        context: Mapping[str, ContextValue] | None = None,
    ) -> None: ...


class LocalVerifier:
    """Thread-safe; share one per process."""

    def __init__(self, authenticator: RequestAuthenticator, authorizer: Authorizes) -> None:
        self._authenticator = authenticator
        self._authorizer = authorizer

    def verify(
        self,
        request: GuardRequest,
        action: str,
        resources: Resources,
        context: Mapping[str, str],
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        caller = self.authenticate(request, signed or request.parse())
        return self.authorize(caller, action, resources, context)

    async def aclose(self) -> None:
        """Nothing to let go of: the store is the caller's."""

    def authenticate(self, request: GuardRequest, signed: SignedRequest) -> Caller:
        caller = self._authenticator.authenticate(
            signed, _connection(request, signed), anonymous_allowed=False
        )
        return _known(caller)

    def require(self, caller: Caller, action: str, resource: str) -> None:
        """``NoPermission`` unless ``caller`` may do ``action`` on ``resource`` (the
        authorizer's own check, for a permission of the service calling ramsts)."""
        self._authorizer.require(caller, action, resource)

    def authorize(
        self, caller: Caller, action: str, resources: Resources, context: Mapping[str, str]
    ) -> GuardResult:
        """Authorize an already authenticated caller (the in-server path) on each resource: the
        first one refused decides; otherwise the request is allowed."""
        full_context = request_context(caller, context)
        principal = VerifiedPrincipal.of(caller)
        targets = [
            resolve_resource(resource, caller.account_id) for resource in as_resources(resources)
        ]
        allowed: list[Decision] = []
        for target in targets:
            decision = self._authorizer.decide(caller, action, target, full_context)
            if not decision.allowed:
                detail = self._denial_detail(caller, action, target, full_context)
                return GuardResult(principal, decision, action, target, detail)
            allowed.append(decision)
        decision = allowed[0] if len(allowed) == 1 else all_allowed(allowed)
        return GuardResult(principal, decision, action, targets[0])

    def _denial_detail(
        self, caller: Caller, action: str, target: str, context: Mapping[str, ContextValue]
    ) -> dict[str, Any] | None:
        """The denial's AccessDeniedDetail (with its sealed diagnostic message), as only the
        authorizer builds it: a second evaluation, on the deny path only."""
        try:
            self._authorizer.require(caller, action, target, context)
        except NoPermission as denied:
            return denied.detail
        return None  # allowed meanwhile (a policy change): still refused, as first decided


def _connection(request: GuardRequest, signed: SignedRequest) -> Connection:
    return Connection(
        peer_ip=request.peer_ip,
        secure=request.secure,
        user_agent=signed.headers.get("user-agent", ""),
    )


def _known(caller: Caller | None) -> Caller:
    if caller is None:  # anonymous_allowed=False: authentication raises instead
        raise NoPermission(None, NOT_AUTHORIZED)
    return caller
