"""JSON from clients, decoded with a bound on how deeply its arrays and objects nest.

Python's decoder recurses once per level and, a thousand or so levels down (fewer when the
stack is already deep), raises ``RecursionError``: not a ``ValueError``, so a parameter nested
that deep would get through every ``except ValueError`` and answer a 500. Nothing ramsts reads
needs depth (a policy document needs seven levels, a tag list two), so :func:`decode_json`
refuses text nested deeper than :data:`MAX_DEPTH` *before* decoding it. The refusal is a
:class:`json.JSONDecodeError`, the error every caller already turns into its own 400 for
malformed JSON, positioned at the bracket that went too deep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_DEPTH = 32
"""Arrays and objects inside one another, counting the outermost as 1."""

# A string token (an unterminated one runs to the end of the text), or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{\]}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")


class NestedTooDeep(json.JSONDecodeError):
    """The text nests arrays and objects deeper than the limit."""


def check_nesting(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`NestedTooDeep` if ``text`` nests arrays and objects over ``max_depth``."""
    if text.count("[") + text.count("{") <= max_depth:
        return  # too few brackets to nest that deep: the common case, two C-level scans
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > max_depth:
                raise NestedTooDeep(
                    f"arrays and objects nest more than {max_depth} levels deep",
                    text,
                    match.start(),
                )
        elif token in _CLOSING:
            depth -= 1


def decode_json(
    text: str,
    *,
    max_depth: int = MAX_DEPTH,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """``json.loads(text)`` once :func:`check_nesting` has passed; raises ``JSONDecodeError``."""
    check_nesting(text, max_depth)
    return json.loads(text, object_pairs_hook=object_pairs_hook, parse_constant=parse_constant)


def nests_deeper(value: object, max_depth: int = MAX_DEPTH) -> bool:
    """Whether an already decoded value (mappings, lists and tuples) nests over ``max_depth``.

    Walked without recursion, so it answers for any depth; a value that contains itself nests
    without end and is too deep."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
