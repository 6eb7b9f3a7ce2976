"""What may be shown of a request or a response: every credential replaced by ``***``.

Used wherever a request is written down: the API's log and the audit trail's events (their
``requestParameters`` and ``responseElements``). Which parameters authenticate is
:data:`ramsts.parameters.SECRET_PARAMETERS`, the one list that error messages keep out too, and
the same names are secret wherever they stand in a response body (``AccessKeySecret``,
``SecurityToken``…).

Some parameters carry another request as it was received — VerifyRequest's ``Query``,
``Headers`` and ``Body`` (docs/guard.md) — and with it that request's credentials: the
``Signature`` and ``SecurityToken`` in its query, its ``Authorization`` and
``x-acs-security-token`` headers, the fields of a signed form body. Those are redacted inside:
the query field by field (its names decoded as the signature parser decodes them, so an escaped
``Sig%6Eature`` is still the signature), the headers by name. A body is never shown: base64
hides what it holds from a reader of the log, not from whoever copies it out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from ramsts.parameters import is_secret_parameter
from ramsts.signing.encoding import decode_form
from ramsts.wire_json import decode_json

REDACTED = "***"

# One name=value field of a query inside a line of text (a request line, a URL).
_QUERY_FIELD = re.compile(r'(?<=[?&])([^=&\s"]*)=([^&\s"]*)')

SECRET_HEADERS = frozenset(
    ("authorization", "proxy-authorization", "x-acs-security-token", "x-acs-bearer-token", "cookie")
)
"""Headers whose value authenticates: a V3 signature (with its AccessKeyId), a proxy's
credentials, a SecurityToken or bearer token, a console session."""


def redact_params(
    params: Mapping[str, str], *, leave_out: AbstractSet[str] = frozenset()
) -> dict[str, str]:
    """A request's parameters with every credential replaced (inside carried requests too),
    but for those named in ``leave_out``."""
    return {name: _redacted(name, value) for name, value in params.items() if name not in leave_out}


def redact_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A response body (any JSON object) with the value of every secret member replaced, at
    any depth: ``{"AccessKey": {"AccessKeySecret": "***"}}``."""
    # One loop, no call per member: the audit trail redacts every response it records.
    redacted: dict[str, Any] = {}
    for name, value in document.items():
        if is_secret_parameter(name):
            redacted[name] = REDACTED
        elif type(value) in _SCALARS:  # first: most members are
            redacted[name] = value
        else:
            redacted[name] = _redacted_value(value)
    return redacted


_SCALARS = frozenset((str, int, float, bool, type(None)))


def _redacted_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact_document(value)
    if isinstance(value, list | tuple):
        return [_redacted_value(item) for item in value]
    return value


def redact_query(query: str) -> str:
    """A raw query string (or form body) with the value of every secret parameter replaced."""
    fields = []
    for field in query.split("&"):
        name = next(iter(decode_form(field)), "")
        fields.append(
            f"{field.partition('=')[0]}={REDACTED}" if is_secret_parameter(name) else field
        )
    return "&".join(fields)


def redact_query_fields(text: str) -> str:
    """``text`` with the value of every secret parameter of any query inside it replaced."""
    return _QUERY_FIELD.sub(_redacted_field, text)


def _redacted_field(field: re.Match[str]) -> str:
    name = next(iter(decode_form(field.group(1))), "")
    return f"{field.group(1)}={REDACTED}" if is_secret_parameter(name) else field.group(0)


def redact_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
    ]


def _redacted_header_list(text: str) -> str:
    """VerifyRequest's ``Headers`` (a JSON list of ``[name, value]`` pairs) with the secret
    headers' values replaced; wholly replaced when it is not that shape, since then nobody can
    say which part is a credential."""
    try:
        decoded = decode_json(text)
    except ValueError:
        return REDACTED
    if not isinstance(decoded, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        for pair in decoded
    ):
        return REDACTED
    return json.dumps([list(pair) for pair in redact_headers(decoded)], ensure_ascii=False)


_CARRIED_REQUEST: dict[str, Callable[[str], str]] = {
    "query": redact_query,
    "headers": _redacted_header_list,
    "body": lambda _: REDACTED,
}
"""Parameters that carry a received request, by lower-cased name: how each is redacted."""


def _redacted(name: str, value: str) -> str:
    if is_secret_parameter(name):
        return REDACTED
    inside = _CARRIED_REQUEST.get(name.lower())
    return value if inside is None else inside(value)
