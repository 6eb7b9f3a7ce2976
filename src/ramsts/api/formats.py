"""Response formats: JSON, or XML for hand-written RPC clients (api.md §5.1).

The rule, for successes and errors alike: a ``Format`` parameter is honoured case-insensitively
(``JSON`` or ``XML``; any other value is refused, in the default format); a V3 request without one
gets JSON; an RPC v1 request without one gets XML, the documented default. Every SDK names its
format (the classic SDKs send ``Format=JSON``, Tea's V3 requests get JSON by default), so the
XML default only ever reaches hand-written clients, which the documentation tells to expect it.

XML follows the real service: the root element is ``<ActionNameResponse>`` (``<Error>`` for
errors), nested objects become nested elements and a list becomes its key repeated once per item
(``{"User": [a, b]}`` → ``<User>a</User><User>b</User>``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

JSON_CONTENT_TYPE = "application/json;charset=utf-8"
XML_CONTENT_TYPE = "text/xml;charset=utf-8"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


class ResponseFormat(Enum):
    JSON = "JSON"
    XML = "XML"

    @property
    def content_type(self) -> str:
        return JSON_CONTENT_TYPE if self is ResponseFormat.JSON else XML_CONTENT_TYPE


class RenderedResponse(NamedTuple):
    """A response ready to send: the endpoint writes it to ASGI, other routes wrap it."""

    status: int
    content_type: str
    body: bytes


def default_format(*, is_v3: bool) -> ResponseFormat:
    return ResponseFormat.JSON if is_v3 else ResponseFormat.XML


def response_format(requested: str | None, *, is_v3: bool) -> ResponseFormat | None:
    """The format a response is written in (see the module docstring for the rule); ``None`` for
    a ``Format`` that names neither JSON nor XML, which the request is refused for."""
    if not requested:
        return default_format(is_v3=is_v3)
    try:
        return ResponseFormat(requested.upper())
    except ValueError:
        return None


def render_body(body: Mapping[str, Any], fmt: ResponseFormat, root: str) -> bytes:
    """Serialise a response body; ``root`` names the XML root element."""
    if fmt is ResponseFormat.JSON:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    parts = [_XML_DECLARATION, f"<{root}>"]
    _append_members(parts, body)
    parts.append(f"</{root}>")
    return "".join(parts).encode()


def _append_members(parts: list[str], members: Mapping[str, Any]) -> None:
    for name, value in members.items():
        items = value if isinstance(value, list | tuple) else (value,)
        for item in items:
            parts.append(f"<{name}>")
            if isinstance(item, Mapping):
                _append_members(parts, item)
            else:
                parts.append(escape(_xml_text(item)))
            parts.append(f"</{name}>")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry, even escaped; stored values never hold them (parameters
refuse control characters), so this only guards against older data."""


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))
