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
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from typing import Protocol

from ramsts.guard.request import GuardRequest
from ramsts.guard.result import GuardResult, Resources
from ramsts.loop_work import run_on_loop
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

    async def aclose(self) -> None:
        """Let go of what the verifier holds on the running loop (connections)."""


FILLING_THREADS = 4
"""Worker threads per process that fill the local guard's caches for :meth:`Guard.decide_async`
and :meth:`Guard.check_async`."""

_filling = ThreadPoolExecutor(max_workers=FILLING_THREADS, thread_name_prefix="ramsts-guard")


class Guard:
    """Thread-safe. :meth:`decide` and :meth:`check` block (the database or the verification
    API); from async code use :meth:`decide_async` and :meth:`check_async`, as
    :class:`~ramsts.guard.middleware.GuardMiddleware` does: the same code, run on the event loop
    (:func:`ramsts.loop_work.run_on_loop`), which it leaves only to fill a cache, and never
    waits on (the nonce and the remote call are awaited by the loop)."""

    def __init__(self, verifier: Verifier, *, executor: Executor = _filling) -> None:
        """``executor``: the threads that fill caches for the async methods."""
        self.verifier = verifier
        self._executor = executor

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
        """:meth:`decide` for async code, on the running loop (see the class)."""
        decide = partial(self.decide, request, action, resource, context, signed=signed)
        return await run_on_loop(decide, self._executor)

    async def check_async(
        self,
        request: GuardRequest,
        action: str,
        resource: Resources = "*",
        context: Mapping[str, str] | None = None,
        *,
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        """:meth:`check` for async code, on the running loop (see the class)."""
        check = partial(self.check, request, action, resource, context, signed=signed)
        return await run_on_loop(check, self._executor)
