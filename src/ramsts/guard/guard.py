"""The guard a resource service embeds: verify a signed request, then authorize it.

::

    guard = Guard(LocalVerifier(services.authenticator, services.authorizer))     # local mode
    guard = Guard(RemoteVerifier("http://ramsts:8080", service_key_id, secret))   # remote mode

    result = guard.check(GuardRequest.of(method, path, raw_query, headers, body, peer_ip=ip),
                         "iot:QueryProduct", "acs:iot:cn-shanghai:${AccountId}:product/a1B2")
    result.principal.arn, result.decision.statements

:meth:`Guard.check` raises the gateway's authentication errors (``SignatureDoesNotMatch``,
``InvalidSecurityToken.Expired``…) and ``NoPermission`` (403, with its ``AccessDeniedDetail``);
:meth:`Guard.decide` returns a denial as a value instead. Both modes give the same answers for the
same request; how each caches, and how fast a revocation applies, is in ``docs/guard.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from ramsts.guard.request import GuardRequest
from ramsts.guard.result import GuardResult, Resources
from ramsts.signing import SignedRequest


class Verifier(Protocol):
    """:class:`~ramsts.guard.local.LocalVerifier` or
    :class:`~ramsts.guard.remote.RemoteVerifier`."""

    def verify(
        self,
        request: GuardRequest,
        action: str,
        resources: Resources,
        context: Mapping[str, str],
        signed: SignedRequest | None = None,
    ) -> GuardResult: ...

    async def verify_async(
        self,
        request: GuardRequest,
        action: str,
        resources: Resources,
        context: Mapping[str, str],
        signed: SignedRequest | None = None,
    ) -> GuardResult: ...

    async def aclose(self) -> None:
        """Let go of what the verifier holds on the running loop (connections)."""


class Guard:
    """Thread-safe. :meth:`decide` and :meth:`check` block (the database or the verification
    API); from async code use :meth:`decide_async` and :meth:`check_async`, as
    :class:`~ramsts.guard.middleware.GuardMiddleware` does."""

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier

    async def aclose(self) -> None:
        """At the application's shutdown, on its loop: the verifier's connections closed."""
        await self.verifier.aclose()

    def decide(
        self,
        request: GuardRequest,
        action: str,
        resource: Resources = "*",
        context: Mapping[str, str] | None = None,
        *,
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        """Verify ``request`` and decide ``action`` on ``resource``; a denial is a value.

        ``resource`` may name ``${AccountId}``, filled with the verified caller's account. A
        tuple of resources is allowed only if each one is (a request that reads several, as a
        batch of devices); a refusal names the first one refused.
        ``context`` adds the service's own condition keys. ``signed`` is the request already
        parsed, when the caller needed to read its action first.
        """
        return self.verifier.verify(request, action, resource, context or {}, signed)

    def check(
        self,
        request: GuardRequest,
        action: str,
        resource: Resources = "*",
        context: Mapping[str, str] | None = None,
        *,
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        """As :meth:`decide`, but a denial raises ``NoPermission``."""
        result = self.decide(request, action, resource, context, signed=signed)
        if not result.allowed:
            raise result.denial()
        return result

    async def decide_async(
        self,
        request: GuardRequest,
        action: str,
        resource: Resources = "*",
        context: Mapping[str, str] | None = None,
        *,
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        """:meth:`decide` for async code: the loop never waits on the database or the network
        (local mode answers from its caches on the loop and goes to a worker thread to fill
        them; remote mode calls the verification API from a worker thread)."""
        return await self.verifier.verify_async(request, action, resource, context or {}, signed)

    async def check_async(
        self,
        request: GuardRequest,
        action: str,
        resource: Resources = "*",
        context: Mapping[str, str] | None = None,
        *,
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        """As :meth:`decide_async`, but a denial raises ``NoPermission``."""
        result = await self.verifier.verify_async(request, action, resource, context or {}, signed)
        if not result.allowed:
            raise result.denial()
        return result
