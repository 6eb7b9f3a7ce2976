"""Where in a policy's text a JSON pointer (RFC 6901) lands, so the editor can point at it.

The policy engine reports errors as pointers into the parsed document (``/Statement/2/Effect``);
a person edits text. :func:`locate` walks the text once, as JSON, and returns the span of the
value the pointer names (or of the key, for a member that should not be there). Syntax errors
have no pointer; :func:`syntax_error_span` gives their offset instead (for a document nested too
deep, that of the bracket one level too deep).
"""

from __future__ import annotations

import json

from ramsts.wire_json import decode_json

Span = tuple[int, int]

_WHITESPACE = " \t\n\r"
_decoder = json.JSONDecoder()


def syntax_error_span(text: str) -> Span | None:
    """The offset of the first JSON syntax error in ``text``, or ``None`` if it parses."""
    try:
        decode_json(text)
    except json.JSONDecodeError as error:
        return error.pos, min(error.pos + 1, len(text))
    return None


def locate(text: str, pointer: str) -> Span | None:
    """The ``(start, end)`` offsets of the value at ``pointer``; ``None`` if the text is not JSON
    or the pointer names nothing in it. A pointer one level too deep (a missing member) lands on
    its parent, which is where the member should have been."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]
    try:
        found = _walk(text, _skip(text, 0), tokens)
    except (ValueError, IndexError):
        return None
    return found


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def _walk(text: str, index: int, tokens: list[str]) -> Span | None:
    end = _value_end(text, index)
    if not tokens:
        return index, end
    head, rest = tokens[0], tokens[1:]
    child = _child(text, index, head)
    if child is None:
        return (index, end) if not rest else None
    return _walk(text, child, rest)


def _child(text: str, index: int, token: str) -> int | None:
    """The start of the member ``token`` of the object or array at ``index``."""
    opening = text[index]
    if opening == "{":
        position = _skip(text, index + 1)
        while text[position] != "}":
            key, after_key = _decoder.raw_decode(text, position)
            value_start = _skip(text, _skip(text, after_key) + 1)
            if key == token:
                return value_start
            position = _skip(text, _value_end(text, value_start))
            if text[position] == ",":
                position = _skip(text, position + 1)
        return None
    if opening == "[" and token.isdigit():
        position = _skip(text, index + 1)
        count = 0
        while text[position] != "]":
            if count == int(token):
                return position
            position = _skip(text, _value_end(text, position))
            if text[position] == ",":
                position = _skip(text, position + 1)
            count += 1
    return None


def _value_end(text: str, index: int) -> int:
    _, end = _decoder.raw_decode(text, index)
    return int(end)
