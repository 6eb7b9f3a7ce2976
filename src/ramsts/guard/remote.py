"""Remote mode: the guard asks a ramsts server's ``VerifyRequest``
(:mod:`ramsts.guard.verification`), signing that call with the service's own AccessKey.

Every request's signature is verified by the server, one round trip per request: the client's
AccessKeySecret never leaves ramsts (not even a role session's, although its token carries it
sealed — only ramsts holds the key ring), so the service cannot check a signature itself, and the
server's nonce store refuses replays across every service and worker at once.

What is cached is the *authorization*: a positive decision, per (AccessKeyId, SecurityToken,
action, resources, request context), for :data:`DEFAULT_CACHE_TTL` seconds. While it is fresh the
guard sends ``VerifyRequest`` without ``AuthAction``, so the server verifies the signature and
resolves the principal but evaluates no policy. Denials are never cached. A policy change or a
revocation therefore applies within the server's own caching (≤ 1 s) plus this TTL; revocations
of keys, tokens and roles apply at once, since the signature check runs every time.

If the server cannot be reached, or refuses the service itself (bad key, no
``ramsts:VerifyRequest`` permission), the client is answered ``ServiceUnavailable`` (503) and the
reason is logged: a guard that cannot verify lets nothing through.

Idle connections are dropped by the client before the server would close them
(:data:`KEEPALIVE_EXPIRY`), and a call that finds its pooled connection closed under it (the
server shut it as the request went out, or the socket was already closed when written to) is
sent once more on a new one, freshly signed: the server never read the first, so the second is
no replay.

:meth:`RemoteVerifier.verify` is the one path. Its call goes through one of two transports: in
loop work (:meth:`ramsts.guard.Guard.check_async`, :mod:`ramsts.loop_work`) the loop's own
connections (:mod:`ramsts.guard.remote_client`, one pool per loop, since it is paid on every
guarded request), the call awaited by the loop; anywhere else httpx, blocking the thread.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
import weakref
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import httpx

from ramsts.caching import Cache
from ramsts.errors import ServiceError
from ramsts.guard.context import checked_service_context
from ramsts.guard.remote_client import CallFailed, Endpoint, KeepAliveClient
from ramsts.guard.request import GuardRequest
from ramsts.guard.result import (
    GuardResult,
    Resources,
    as_resources,
    decision_from_body,
    principal_from_body,
)
from ramsts.loop_work import in_loop_work, wait_for
from ramsts.policy import Decision
from ramsts.products import RAMSTS
from ramsts.signing import SignedRequest, sign_rpc_v1
from ramsts.types import Secret

logger = logging.getLogger("ramsts.guard")

DEFAULT_CACHE_TTL = 1.0
"""Seconds a positive authorization is reused; the added delay before a policy change applies."""
MAX_CACHE_TTL = 60.0
CACHE_LIMIT = 10_000
"""Cached decisions kept at most, the oldest stored forgotten first (bounds memory under key
churn)."""
DEFAULT_TIMEOUT = 5.0
KEEPALIVE_EXPIRY = 2.0
"""Seconds an idle connection to the server is kept: below uvicorn's 5 s keep-alive timeout, so
that the client gives up a connection before the server closes it."""
_NEVER_READ = (httpx.RemoteProtocolError, httpx.ConnectError, httpx.WriteError)
"""Failures after which the server cannot have read the call, so it may be sent again. A read
failure may follow a call the server did read (and whose client nonce it spent): never resent."""

_CacheKey = tuple[str, str, str, tuple[str, ...], str, bool, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True, slots=True)
class _Cached:
    decision: Decision
    resource: str


def unavailable() -> ServiceError:
    return ServiceError(
        "ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
        http_status=503,
    )


class RemoteVerifier:
    """Thread-safe; share one per process and :meth:`close` it at shutdown."""

    def __init__(
        self,
        endpoint: str,
        access_key_id: str,
        access_key_secret: Secret,
        *,
        cache_ttl: float = DEFAULT_CACHE_TTL,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= cache_ttl <= MAX_CACHE_TTL:
            raise ValueError(f"the decision cache TTL must be between 0 and {MAX_CACHE_TTL} s")
        self._access_key_id = access_key_id
        self._secret = access_key_secret
        self._ttl = cache_ttl
        # The server's decisions, not the store's data: the TTL is this cache's only rule (the
        # server's own caches follow its store's changes).
        self._cache: Cache[_CacheKey, _Cached] = Cache(
            "guard_decisions", limit=CACHE_LIMIT, max_age=cache_ttl, monotonic=monotonic
        )
        url = endpoint if "://" in endpoint else f"http://{endpoint}"
        self._timeout = timeout
        self._loop_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, KeepAliveClient
        ] = weakref.WeakKeyDictionary()
        self._endpoint = Endpoint.parse(url)  # refused now, not at the first request
        self._client = httpx.Client(
            base_url=url,
            timeout=timeout,
            transport=transport,
            trust_env=False,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY),
        )

    async def aclose(self) -> None:
        """Close the running loop's idle connections: at the application's shutdown, before
        the loop closes (:class:`~ramsts.guard.middleware.GuardMiddleware` calls it on the
        ASGI lifespan's shutdown)."""
        client = self._loop_clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            client.close()

    def close(self) -> None:
        self._client.close()
        for loop, client in list(self._loop_clients.items()):
            if loop.is_closed() or _running_loop() is loop:
                client.close()
            else:
                with suppress(RuntimeError):  # closed meanwhile
                    loop.call_soon_threadsafe(client.close)

    def verify(
        self,
        request: GuardRequest,
        action: str,
        resources: Resources,
        context: Mapping[str, str],
        signed: SignedRequest | None = None,
    ) -> GuardResult:
        listed = as_resources(resources)
        key, cached, params = self._asking(request, action, listed, context, signed)
        return self._result(self._call(params), key, cached, action, listed)

    def _asking(
        self,
        request: GuardRequest,
        action: str,
        resources: tuple[str, ...],
        context: Mapping[str, str],
        signed: SignedRequest | None,
    ) -> tuple[_CacheKey, _Cached | None, dict[str, str]]:
        """The cache key, the cached decision if fresh, and the parameters of the call."""
        signed = signed or request.parse()
        extra = checked_service_context(context)
        key = _cache_key(request, signed, action, resources, extra)
        cached = self._cache.peek(key)
        params = _request_params(request)
        if cached is None:
            params.update(AuthAction=action, Context=json.dumps(extra))
            if len(resources) == 1:
                params["AuthResource"] = resources[0]
            else:
                params["AuthResources"] = json.dumps(list(resources))
        return key, cached, params

    def _result(
        self,
        body: dict[str, Any],
        key: _CacheKey,
        cached: _Cached | None,
        action: str,
        resources: tuple[str, ...],
    ) -> GuardResult:
        if not body.get("Verified"):
            error = body.get("Error") or {}
            raise ServiceError(
                str(error.get("Code", "InvalidParameter")),
                str(error.get("Message", "The request could not be verified.")),
                http_status=int(error.get("HttpStatus", 400)),
            )
        principal = principal_from_body(body["Principal"])
        if cached is not None:
            return GuardResult(principal, cached.decision, action, cached.resource)
        decision = decision_from_body(body["Decision"])
        if len(resources) > 1 and len(body.get("AuthResources") or ()) != len(resources):
            # A server that does not read AuthResources decided "*" instead: nothing to trust.
            logger.error("the ramsts verification API did not decide each of several resources")
            raise unavailable()
        target = str(body.get("AuthResource", resources[0]))
        if decision.allowed and self._ttl > 0:
            self._cache.put(key, _Cached(decision, target))
        return GuardResult(principal, decision, action, target, body.get("AccessDeniedDetail"))

    def _call(self, params: dict[str, str]) -> dict[str, Any]:
        post = self._loop_post if in_loop_work() else self._thread_post
        try:
            try:
                status, content = post(*self._signed_call(params), fresh=False)
            except CallFailed as failure:
                if not failure.never_answered:
                    raise
                # Not a byte of an answer came back (the pooled connection was closed under
                # the request, by the server as it went out, or found closed when written to):
                # sent again, freshly signed, on a new connection. A read failure after the
                # answer began is never resent.
                status, content = post(*self._signed_call(params), fresh=True)
            body = json.loads(content)
        except (CallFailed, TimeoutError, ValueError) as failure:
            logger.error("the ramsts verification API could not be reached: %s", failure)
            raise unavailable() from None
        return _accepted(status, body)

    def _loop_post(
        self, target: str, headers: list[tuple[str, str]], body: bytes, *, fresh: bool
    ) -> tuple[int, bytes]:
        """The call on the running loop's connections, the loop awaiting it."""
        return wait_for(self._loop_client().post(target, headers, body, fresh=fresh))

    def _thread_post(
        self, target: str, headers: list[tuple[str, str]], body: bytes, *, fresh: bool
    ) -> tuple[int, bytes]:
        """The call through httpx, blocking the thread (``fresh``: httpx's pool replaces a
        connection that failed by itself)."""
        try:
            response = self._client.post(target, headers=headers, content=body)
        except _NEVER_READ as failure:
            raise CallFailed(str(failure), never_answered=True) from failure
        except httpx.HTTPError as failure:
            raise CallFailed(str(failure), never_answered=False) from failure
        return response.status_code, response.content

    def _loop_client(self) -> KeepAliveClient:
        loop = asyncio.get_running_loop()
        client = self._loop_clients.get(loop)
        if client is None:
            client = self._loop_clients[loop] = KeepAliveClient(
                self._endpoint, timeout=self._timeout, keepalive_expiry=KEEPALIVE_EXPIRY
            )
        return client

    def _signed_call(self, params: dict[str, str]) -> tuple[str, list[tuple[str, str]], bytes]:
        """A VerifyRequest call asking ``params``, signed with a nonce of its own: target,
        headers and body."""
        signed = sign_rpc_v1(
            "POST",
            {"Action": "VerifyRequest", "Version": RAMSTS.version},
            self._access_key_id,
            self._secret,
            form=params,
        )
        return f"/?{signed.query}", list(signed.headers), signed.body


def _accepted(status: int, body: Any) -> dict[str, Any]:
    """The answer's body, if the server accepted the service's call; else ServiceUnavailable
    (the reason logged)."""
    if status != 200 or not isinstance(body, dict):
        code = body.get("Code") if isinstance(body, dict) else None
        logger.error(
            "the ramsts verification API refused this service's call: HTTP %s %s", status, code
        )
        raise unavailable()
    return body


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _request_params(request: GuardRequest) -> dict[str, str]:
    params = {
        "HttpMethod": request.method,
        "Path": request.path,
        "Query": request.raw_query,
        "Headers": json.dumps([list(pair) for pair in request.headers]),
        "SourceIp": request.peer_ip,
        "SecureTransport": "true" if request.secure else "false",
    }
    if request.body:
        params["Body"] = base64.b64encode(request.body).decode("ascii")
    return params


def _cache_key(
    request: GuardRequest,
    signed: SignedRequest,
    action: str,
    resources: tuple[str, ...],
    extra: Mapping[str, str],
) -> _CacheKey:
    # Everything a condition may look at, apart from acs:CurrentTime (bounded by the TTL).
    return (
        signed.access_key_id or "",
        signed.security_token or "",
        action,
        resources,
        request.peer_ip,
        request.secure,
        signed.headers.get("user-agent", ""),
        tuple(sorted(extra.items())),
    )
