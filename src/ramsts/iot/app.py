"""The IoT sample as a service of its own (``ramsts demo-iot``): a Starlette app at ``/`` behind
:class:`ramsts.guard.GuardMiddleware`, usually in remote mode (asking a ramsts server's
``VerifyRequest`` with the service's own AccessKey).

Routes: ``GET``/``POST /`` for the RPC actions (JSON responses; ``Version`` must be
``2018-01-20``), ``GET /health`` unguarded.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ramsts.errors import GatewayError
from ramsts.guard import Guard, GuardMiddleware, GuardResult, Target
from ramsts.guard.envelope import JSON_MEDIA_TYPE
from ramsts.iot import API_VERSION, PRODUCT_CODE, host_id
from ramsts.iot.actions import IotService
from ramsts.signing import SignedRequest


def create_iot_app(iot: IotService, guard: Guard) -> ASGIApp:
    def resolve(signed: SignedRequest) -> Target:
        if signed.version != API_VERSION:
            raise GatewayError(
                "InvalidVersion", "Specified parameter Version is not valid.", http_status=400
            )
        action, resource = iot.target(signed.action, signed.params)
        return Target(action, resource)

    async def rpc(request: Request) -> Response:
        result: GuardResult = request.state.guard_result
        signed: SignedRequest = request.state.signed_request
        body = await run_in_threadpool(
            iot.run, signed.action, result.principal.account_id, signed.params
        )
        return Response(
            json.dumps({"RequestId": request.state.request_id, **body}, ensure_ascii=False),
            media_type=JSON_MEDIA_TYPE,
            headers={"x-acs-request-id": request.state.request_id},
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"Status": "OK"})

    app = Starlette(
        routes=[
            Route("/", rpc, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    return GuardMiddleware(
        app, guard, resolve, host_id=host_id(iot.region), product_code=PRODUCT_CODE
    )
