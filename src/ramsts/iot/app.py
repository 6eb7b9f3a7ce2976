"""The IoT sample as a service of its own (``ramsts demo-iot``): a Starlette app at ``/`` behind
:class:`ramsts.guard.GuardMiddleware`, usually in remote mode (asking a ramsts server's
``VerifyRequest`` with the service's own AccessKey).

Routes: ``GET``/``POST /`` for the RPC actions (JSON responses; ``Version`` must be
IoT's, :data:`ramsts.products.IOT`), ``GET /health`` unguarded.
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ramsts.errors import GatewayError, RamstsError
from ramsts.guard import Guard, GuardMiddleware, GuardResult, Target
from ramsts.guard.envelope import (
    JSON_MEDIA_TYPE,
    REQUEST_ID_HEADER,
    ErrorAnswer,
    error_answer,
    unexpected_answer,
)
from ramsts.iot.actions import IotService
from ramsts.products import IOT
from ramsts.signing import SignedRequest


def create_iot_app(iot: IotService, guard: Guard) -> ASGIApp:
    def resolve(signed: SignedRequest) -> Target:
        if signed.version != IOT.version:
            raise GatewayError(
                "InvalidVersion", "Specified parameter Version is not valid.", http_status=400
            )
        action, resource = iot.target(signed.action, signed.params)
        return Target(action, resource)

    host = IOT.host_in(iot.region)

    async def rpc(request: Request) -> Response:
        result: GuardResult = request.state.guard_result
        signed: SignedRequest = request.state.signed_request
        request_id: str = request.state.request_id
        try:
            body = await run_in_threadpool(
                iot.run, signed.action, result.principal.account_id, signed.params
            )
        except RamstsError as error:  # a bad parameter: its own code and status, never a 500
            response = _response(
                error_answer(error, request_id=request_id, host_id=host, product_code=IOT.code)
            )
        except Exception as exc:
            response = _response(
                unexpected_answer(exc, request_id=request_id, host_id=host, product_code=IOT.code)
            )
        else:
            response = Response(
                json.dumps({"RequestId": request_id, **body}, ensure_ascii=False),
                media_type=JSON_MEDIA_TYPE,
            )
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    async def health(request: Request) -> Response:
        return JSONResponse({"Status": "OK"})

    app = Starlette(
        routes=[
            Route("/", rpc, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    return GuardMiddleware(app, guard, resolve, host_id=host, product_code=IOT.code)


def _response(answer: ErrorAnswer) -> Response:
    return Response(answer.content, status_code=answer.status, media_type=JSON_MEDIA_TYPE)
