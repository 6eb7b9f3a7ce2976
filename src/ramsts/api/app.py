"""The ASGI application: the RPC endpoint at ``/``, a health check, and room for more.

Routes:

* ``GET /`` and ``POST /`` — every product's RPC actions (other methods: ``UnsupportedHTTPMethod``);
* ``GET /health`` — liveness, for load balancers and orchestrators;
* whatever ``extra_routes`` the composition root adds — the web console mounts itself at
  ``/console/`` that way, so the API never imports it.

Unknown paths answer in the API's own envelope (``InvalidAction.NotFound``), and anything that
escapes every handler becomes a bare ``InternalError`` 500 with a RequestId.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ramsts.api.errors import render_error, render_unexpected
from ramsts.api.rpc import REQUEST_ID_HEADER, ApiServices, RpcEndpoint, new_request_id
from ramsts.errors import GatewayError

HEALTH_PATH = "/health"


def create_app(services: ApiServices, *, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The API application over ``services`` (see :class:`ramsts.api.rpc.ApiServices`)."""
    rpc = RpcEndpoint(services)
    routes: list[BaseRoute] = [
        Route("/", rpc.handle, methods=["GET", "POST"], include_in_schema=False),
        Route(HEALTH_PATH, _health, methods=["GET"]),
        *extra_routes,
    ]
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
    )


async def _health(request: Request) -> Response:
    return JSONResponse({"Status": "OK"})


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
    response = render_error(error, request_id=request_id)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    """The outer layer: anything no handler caught. The detail goes to the log only."""
    request_id = new_request_id()
    response = render_unexpected(exc, request_id=request_id)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response
