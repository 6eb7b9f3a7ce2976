"""The error answer of a guarded service: the real services' envelope (api.md §5.1).

``{"RequestId","HostId","Code","Message","Recommend"}`` plus ``AccessDeniedDetail`` for a denial,
with the error's own HTTP status, always JSON. Anything unexpected is a bare ``InternalError``
500 whose detail goes to the log only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ramsts.errors import InternalError, RamstsError
from ramsts.guard.asgi import Send

logger = logging.getLogger("ramsts.guard")

RECOMMEND_URL = "https://api.aliyun.com/troubleshoot?q={code}&product={product}"
JSON_MEDIA_TYPE = "application/json;charset=utf-8"
REQUEST_ID_HEADER = "x-acs-request-id"


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


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """An error's HTTP answer: its status and its JSON body (:data:`JSON_MEDIA_TYPE`)."""

    status: int
    content: bytes

    async def send(self, send: Send, *, request_id: str) -> None:
        """Answer on an ASGI connection, with the request id header."""
        headers = [
            (b"content-length", str(len(self.content)).encode("latin-1")),
            (b"content-type", JSON_MEDIA_TYPE.encode("latin-1")),
            (REQUEST_ID_HEADER.encode("latin-1"), request_id.encode("latin-1")),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.content})


def error_answer(
    error: RamstsError, *, request_id: str, host_id: str, product_code: str
) -> ErrorAnswer:
    body = error_body(error, request_id=request_id, host_id=host_id, product_code=product_code)
    return ErrorAnswer(error.http_status, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def unexpected_answer(
    exc: BaseException, *, request_id: str, host_id: str, product_code: str
) -> ErrorAnswer:
    logger.error(
        "request %s failed unexpectedly", request_id, exc_info=(type(exc), exc, exc.__traceback__)
    )
    return error_answer(
        InternalError(), request_id=request_id, host_id=host_id, product_code=product_code
    )
