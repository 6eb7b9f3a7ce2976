"""Reading a request exactly as it arrived: the signature covers the raw bytes, so nothing here
normalises the query string, the header names' order or the Host value (api.md §3.5)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope

from ramsts.errors import GatewayError

MAX_BODY_BYTES = 1024 * 1024
"""Large enough for the biggest parameter (a 100 000-character SAMLAssertion), small enough that a
client cannot make the server buffer arbitrary amounts."""

_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class IncomingRequest:
    method: str
    raw_query: str
    """The query string as received, still percent-encoded."""
    headers: list[tuple[str, str]]
    """(name, value) pairs in the order received."""
    body: bytes
    peer_ip: str
    secure: bool
    """Whether the client reached us over TLS (as reported by the server, proxy headers included
    when the server trusts the proxy)."""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def request_head(scope: Scope) -> IncomingRequest:
    """The request of an ASGI HTTP ``scope`` before its body is read (``body`` empty): enough
    to shape the error of a request refused while its body is read."""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    client = scope.get("client")
    return IncomingRequest(
        method=scope["method"],
        raw_query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=b"",
        peer_ip=client[0] if client else "",
        secure=scope.get("scheme") in ("https", "wss"),
    )


async def read_body(
    head: IncomingRequest, receive: Receive, *, max_body: int = MAX_BODY_BYTES
) -> IncomingRequest:
    """``head`` with its body read from ``receive``."""
    declared = head.header("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_body:
        raise _too_large(max_body)
    body = await _read_body(receive, max_body)
    return head if not body else replace(head, body=body)


async def _read_body(receive: Receive, max_body: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_body:
            raise _too_large(max_body)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(max_body: int) -> GatewayError:
    return GatewayError(
        "InvalidParameter.ContentLength",
        f"The request body must not be larger than {max_body} bytes.",
        http_status=413,
    )


def requested_version(request: IncomingRequest) -> str | None:
    """The API version a request names (``Version`` in the query, or V3's ``x-acs-version``),
    found without the full parse, so that its error carries its product's ``HostId``."""
    version = _form_parameter(request.raw_query, "Version")
    return version if version is not None else request.header("x-acs-version")


def requested_format(raw_query: str, body: bytes, content_type: str | None) -> str | None:
    """The ``Format`` parameter, found without the full parse, for requests that failed before
    their parameters could be read: their error still honours ``Format=XML``."""
    requested = _form_parameter(raw_query, "Format")
    is_form = content_type is not None and content_type.split(";")[0].strip().lower() == _FORM
    if requested is None and body and is_form:
        requested = _form_parameter(body.decode("utf-8", errors="replace"), "Format")
    return requested


def _form_parameter(text: str, wanted: str) -> str | None:
    """The first value of parameter ``wanted`` in a query string or form body."""
    if f"{wanted}=" not in text:
        return None
    for name, value in parse_qsl(text, keep_blank_values=True):
        if name == wanted:
            return value
    return None
