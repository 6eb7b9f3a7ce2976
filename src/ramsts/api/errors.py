"""Every error a client sees is rendered here, into the real service's envelope (api.md §5.1).

Two layers: :func:`render_error` turns a :class:`~ramsts.errors.RamstsError` into
``{"RequestId","HostId","Code","Message","Recommend"}`` (plus ``AccessDeniedDetail`` when the
error carries one) with the error's own HTTP status; :func:`render_unexpected` turns anything else
into a bare ``InternalError`` 500 whose detail goes to the log only, never to the client. A
database that cannot be reached is no exception: the store raises it as ``ServiceUnavailable``
(503), rendered here as any other error, its reason logged.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from ramsts.api.formats import RenderedResponse, ResponseFormat, render_body
from ramsts.errors import InternalError, NoPermission, RamstsError, ServiceUnavailable

logger = logging.getLogger("ramsts.api")

DEFAULT_HOST_ID = "ramsts"
"""HostId when no product could be determined (unknown version, unreadable request)."""

RECOMMEND_URL = "https://api.aliyun.com/troubleshoot?q={code}&product={product}"


def error_envelope(
    error: RamstsError, *, request_id: str, host_id: str, product_code: str | None
) -> dict[str, Any]:
    """The error body, in the key order the real service uses."""
    body: dict[str, Any] = {
        "RequestId": request_id,
        "HostId": host_id,
        "Code": error.code,
        "Message": error.message,
    }
    if product_code:
        body["Recommend"] = RECOMMEND_URL.format(
            code=quote(error.code, safe=""), product=quote(product_code, safe="")
        )
    if isinstance(error, NoPermission) and error.detail:
        # NoPermission carries the policy engine's reasons; Tea exposes them as
        # `exception.access_denied_detail`. Other errors' detail (a policy's JSON pointer) is
        # already in their message.
        body["AccessDeniedDetail"] = dict(error.detail)
    return body


def render_error(
    error: RamstsError,
    *,
    request_id: str,
    fmt: ResponseFormat = ResponseFormat.JSON,
    host_id: str = DEFAULT_HOST_ID,
    product_code: str | None = None,
) -> RenderedResponse:
    if isinstance(error, ServiceUnavailable) and error.reason:
        # The client gets the generic message; what failed (a database down) is for the log.
        logger.warning("request %s: %s", request_id, error.reason)
    body = error_envelope(error, request_id=request_id, host_id=host_id, product_code=product_code)
    return RenderedResponse(error.http_status, fmt.content_type, render_body(body, fmt, "Error"))


def render_unexpected(
    exc: BaseException,
    *,
    request_id: str,
    fmt: ResponseFormat = ResponseFormat.JSON,
    host_id: str = DEFAULT_HOST_ID,
    product_code: str | None = None,
) -> RenderedResponse:
    """A bare 500: the client gets the generic message and the RequestId to report."""
    logger.error(
        "request %s failed unexpectedly", request_id, exc_info=(type(exc), exc, exc.__traceback__)
    )
    return render_error(
        InternalError(),
        request_id=request_id,
        fmt=fmt,
        host_id=host_id,
        product_code=product_code,
    )
