"""From the submitted text (or an already decoded mapping) to JSON values and a size.

Three rules of the grammar are about the text rather than the tree, so they live here: a key must
not appear twice in one object (``json`` would silently keep the last one), arrays and objects
nest at most :data:`~ramsts.wire_json.MAX_DEPTH` levels (a policy needs seven; any deeper is
refused before decoding, see :mod:`ramsts.wire_json`), and the size limit counts characters with
insignificant JSON whitespace removed (decision 1, AWS's reading).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ramsts.policy.errors import PolicyError, quote
from ramsts.wire_json import MAX_DEPTH, NestedTooDeep, decode_json, nests_deeper

# A JSON string token, or a run of the four whitespace characters JSON allows between tokens.
_STRING_OR_SPACE = re.compile(r'"(?:[^"\\]|\\.)*"|[ \t\n\r]+', re.DOTALL)


class JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers the first key it saw twice."""

    duplicate_key: str | None = None


def _object_from_pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject()
    for key, value in pairs:
        if key in obj and obj.duplicate_key is None:
            obj.duplicate_key = key
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def significant_length(text: str) -> int:
    """Characters of a JSON text, not counting whitespace between tokens."""
    whitespace = 0
    for match in _STRING_OR_SPACE.finditer(text):
        token = match.group(0)
        if token[0] != '"':
            whitespace += len(token)
    return len(text) - whitespace


def read_document(source: str | bytes | Mapping[str, Any], code: str) -> tuple[Any, int]:
    """Decode a policy document; return its value and its whitespace-insignificant size."""
    if isinstance(source, Mapping):
        if nests_deeper(source):
            raise _too_deep(code)
        try:
            text = json.dumps(source, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError):
            # Not JSON-shaped; the tree check names the offending element.
            return source, 0
        return source, len(text)
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError(
                code, f"The policy document is not UTF-8 text (byte {exc.start}).", ""
            ) from None
    try:
        value = decode_json(
            source, object_pairs_hook=_object_from_pairs, parse_constant=_reject_constant
        )
    except NestedTooDeep as exc:
        raise _too_deep(code, f" (line {exc.lineno}, column {exc.colno})") from None
    except json.JSONDecodeError as exc:
        raise PolicyError(
            code,
            f"The policy document is not valid JSON: {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno}).",
            "",
        ) from None
    except ValueError as exc:
        raise PolicyError(code, f"The policy document is not valid JSON: {exc}.", "") from None
    if not isinstance(value, dict):
        raise PolicyError(
            code, f"The policy document must be a JSON object, not {quote(value)}.", ""
        )
    return value, significant_length(source)


def _too_deep(code: str, where: str = "") -> PolicyError:
    return PolicyError(
        code,
        f"The policy document nests arrays and objects more than {MAX_DEPTH} levels deep{where}.",
        "",
    )
