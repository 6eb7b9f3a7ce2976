"""The error answer of a guarded service: the real services' envelope (api.md §5.1).

``{"RequestId","HostId","Code","Message","Recommend"}`` plus ``AccessDeniedDetail`` for a denial,
with the error's own HTTP status, always JSON. Anything unexpected is a bare ``InternalError``
500 whose detail goes to the log only.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from ramsts.errors import InternalError, RamstsError

logger = logging.getLogger("ramsts.guard")

RECOMMEND_URL = "https://api.aliyun.com/troubleshoot?q={code}&product={product}"
JSON_MEDIA_TYPE = "application/json;charset=utf-8"


def error_body(
    error: RamstsError, *, request_id: str, host_id: str, product_code: str
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "RequestId": request_id,
        "HostId": host_id,
        "Code": error.code,
        "Message": error.message,
        "Recommend": RECOMMEND_URL.format(
            code=quote(error.code, safe=""), product=quote(product_code, safe="")
        ),
    }
    if error.detail:
        # NoPermission carries the policy engine's reasons; Tea exposes them as
        # `exception.access_denied_detail`.
        body["AccessDeniedDetail"] = dict(error.detail)
    return body


def error_response(
    error: RamstsError, *, request_id: str, host_id: str, product_code: str
) -> Response:
    body = error_body(error, request_id=request_id, host_id=host_id, product_code=product_code)
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=error.http_status,
        media_type=JSON_MEDIA_TYPE,
    )


def unexpected_response(
    exc: BaseException, *, request_id: str, host_id: str, product_code: str
) -> Response:
    logger.error(
        "request %s failed unexpectedly", request_id, exc_info=(type(exc), exc, exc.__traceback__)
    )
    return error_response(
        InternalError(), request_id=request_id, host_id=host_id, product_code=product_code
    )
