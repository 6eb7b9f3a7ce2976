"""The guard as ASGI middleware: nothing reaches the wrapped app unverified and unauthorized.

For each HTTP request (except ``exempt_paths``, e.g. a health check) it reads the body, parses the
request, asks ``resolve`` which action and resource the request means (on the event loop: the
resolver only reads the parsed request), and awaits :meth:`Guard.check_async`. A refusal is
answered in the real services' error envelope; an allowed request goes on to the app with the body
replayed and, in
``scope["state"]``, ``guard_result`` (:class:`GuardResult`) and ``signed_request``
(:class:`~ramsts.signing.SignedRequest`) — with Starlette, ``request.state.guard_result``.
At the ASGI lifespan's shutdown it closes the guard's connections (:meth:`Guard.aclose`) before
passing the shutdown on, for apps that take part in the lifespan protocol, as Starlette's do
(here for :data:`ramsts.products.IOT`)::

    app = GuardMiddleware(api, guard, resolve=lambda signed: Target(IOT.action(signed.action),
                          "acs:iot:cn-shanghai:${AccountId}:product/*"),
                          host_id=IOT.host_id, product_code=IOT.code)

``acs:SourceIp`` and ``acs:SecureTransport`` are the scope's ``client`` and ``scheme``, as the
server reports them. Serve the middleware as ``ramsts demo-iot`` does, with the uvicorn options
of :func:`ramsts.cli.http_protocol.server_options` (forwarded headers believed only from the
proxies named to it): plain uvicorn believes ``X-Forwarded-For`` from loopback by default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from ramsts.errors import GatewayError, RamstsError
from ramsts.guard.asgi import ASGIApp, Message, Receive, Scope, Send
from ramsts.guard.envelope import REQUEST_ID_HEADER, error_answer, unexpected_answer
from ramsts.guard.guard import Guard
from ramsts.guard.request import GuardRequest
from ramsts.guard.result import Resources
from ramsts.request_ids import new_request_id
from ramsts.signing import SignedRequest

MAX_BODY_BYTES = 1024 * 1024
__all__ = ["REQUEST_ID_HEADER", "GuardMiddleware", "Target", "TargetResolver"]


class Target(NamedTuple):
    """What a request asks to do: the action, the resource (or a tuple of resources, each of
    which must be allowed), the service's own condition keys."""

    action: str
    resource: Resources = "*"
    context: Mapping[str, str] = {}


TargetResolver = Callable[[SignedRequest], Target]
"""Reads the parsed request (action, parameters) and names its target; raises a RamstsError
(``InvalidAction.NotFound``, ``MissingParameter``…) for a request the service does not serve.
It runs on the event loop, so it must not block (no database, no network)."""


class GuardMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        guard: Guard,
        resolve: TargetResolver,
        *,
        host_id: str,
        product_code: str,
        exempt_paths: tuple[str, ...] = ("/health",),
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.guard = guard
        self.resolve = resolve
        self.host_id = host_id
        self.product_code = product_code
        self.exempt_paths = exempt_paths
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_at_shutdown(receive), send)
            return
        if scope["type"] != "http" or scope.get("path") in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        shape = {
            "request_id": request_id,
            "host_id": self.host_id,
            "product_code": self.product_code,
        }
        try:
            body = await self._read_body(receive)
            request = GuardRequest.from_scope(scope, body)
            signed = request.parse()
            action, resource, context = self.resolve(signed)
            result = await self.guard.check_async(request, action, resource, context, signed=signed)
        except RamstsError as error:
            answer = error_answer(error, **shape)
        except Exception as exc:
            answer = unexpected_answer(exc, **shape)
        else:
            state = scope.setdefault("state", {})
            state.update(guard_result=result, signed_request=signed, request_id=request_id)
            await self.app(scope, _replay(body), send)
            return
        await answer.send(send, request_id=request_id)

    def _closing_at_shutdown(self, receive: Receive) -> Receive:
        async def lifespan_message() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.guard.aclose()
            return message

        return lifespan_message

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise GatewayError(
                    "InvalidParameter.ContentLength",
                    f"The request body must not be larger than {self.max_body} bytes.",
                    http_status=413,
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
