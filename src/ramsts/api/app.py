"""The ASGI application: the RPC endpoint at ``/``, a health check, and room for more.

Routes:

* ``GET /`` and ``POST /`` — every product's RPC actions (other methods: ``UnsupportedHTTPMethod``);
* ``GET /health/ready`` (and ``GET /health``) — whether calls sent here can succeed:
  ``{"Status": "OK"}`` while the database answers and takes writes and the server is not
  stopping, else ``ServiceUnavailable`` (503) in the API's envelope; ``GET /health/live`` — the
  process answers (see :mod:`ramsts.api.health`);
* whatever ``extra_routes`` the composition root adds — the web console mounts itself at
  ``/console/`` that way, so the API never imports it.

Unknown paths answer in the API's own envelope (``InvalidAction.NotFound``), and anything that
escapes every handler becomes a bare ``InternalError`` 500 with a RequestId.

``/`` goes straight to the RPC endpoint, a plain ASGI application; Starlette routes the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ramsts.api.errors import render_error, render_unexpected
from ramsts.api.formats import RenderedResponse
from ramsts.api.health import Readiness
from ramsts.api.redaction import ACCESS_LOG_REDACTION, ACCESS_LOGGER
from ramsts.api.rpc import REQUEST_ID_HEADER, ApiServices, RpcEndpoint
from ramsts.errors import GatewayError
from ramsts.request_ids import new_request_id

HEALTH_PATH = "/health"
LIVENESS_PATH = "/health/live"
READINESS_PATH = "/health/ready"


class ApiApplication:
    """``/`` to the RPC endpoint, everything else (and the lifespan) to the routes."""

    def __init__(self, rpc: ASGIApp, routes: ASGIApp) -> None:
        self._rpc = rpc
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/":
            await self._rpc(scope, receive, send)
        else:
            await self._routes(scope, receive, send)


def create_app(
    services: ApiServices,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    readiness: Readiness | None = None,
) -> ApiApplication:
    """The API application over ``services`` (see :class:`ramsts.api.rpc.ApiServices`).
    ``readiness`` answers ``/health/ready`` and ``/health`` (see :mod:`ramsts.api.health`)."""
    # The access log's request lines carry RPC v1 credentials (added once: filters are a set).
    logging.getLogger(ACCESS_LOGGER).addFilter(ACCESS_LOG_REDACTION)
    routes: list[BaseRoute] = [
        *_health_routes(readiness or Readiness()),
        *extra_routes,
    ]
    others = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
    )
    return ApiApplication(RpcEndpoint(services), others)


def _health_routes(readiness: Readiness) -> list[BaseRoute]:
    async def ready(request: Request) -> Response:
        failure = await readiness.failure()
        if failure is not None:
            request_id = new_request_id()
            return _starlette_response(render_error(failure, request_id=request_id), request_id)
        return JSONResponse({"Status": "OK"})

    async def live(request: Request) -> Response:
        return JSONResponse({"Status": "OK"})

    return [
        Route(HEALTH_PATH, ready, methods=["GET"]),
        Route(READINESS_PATH, ready, methods=["GET"]),
        Route(LIVENESS_PATH, live, methods=["GET"]),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing failures outside the RPC endpoint (an unknown path, a method a route refuses)."""
    request_id = new_request_id()
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 405:
        error = GatewayError(
            "UnsupportedHTTPMethod", "This HTTP method is not supported.", http_status=403
        )
    else:
        error = GatewayError(
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
            http_status=404,
        )
    return _starlette_response(render_error(error, request_id=request_id), request_id)


async def _unexpected(request: Request, exc: Exception) -> Response:
    """The outer layer: anything no handler caught. The detail goes to the log only."""
    request_id = new_request_id()
    return _starlette_response(render_unexpected(exc, request_id=request_id), request_id)


def _starlette_response(rendered: RenderedResponse, request_id: str) -> Response:
    return Response(
        rendered.body,
        status_code=rendered.status,
        media_type=rendered.content_type,
        headers={REQUEST_ID_HEADER: request_id},
    )
