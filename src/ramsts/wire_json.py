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
from functools import lru_cache
from typing import Any

MAX_DEPTH = 32
"""Arrays and objects inside one another, counting the outermost as 1."""

# A JSON string (an unterminated one runs to the end of the text), matched without backtracking.
_STRING = r'(?>"[^"\\]*+(?:\\.[^"\\]*+)*+"?)'
_STRINGS = re.compile(_STRING, re.DOTALL)
# Everything up to and including the next bracket outside a string.
_TO_A_BRACKET = rf'(?:{_STRING}|[^"\[{{\]}}]++)*+[\[{{\]}}]'
_ONLY_BRACKETS = (bytes.maketrans(b"{}", b"[]"), bytes(set(range(256)) - set(b"[]{}")))
"""bytes.translate's table and deletions: every bracket made square, everything else dropped."""


class NestedTooDeep(json.JSONDecodeError):
    """The text nests arrays and objects deeper than the limit."""


def check_nesting(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`NestedTooDeep` if ``text`` nests arrays and objects over ``max_depth``, at
    the first bracket too deep.

    No step loops in Python, so a megabyte of ``[],[],…`` costs milliseconds: the brackets
    outside strings are kept, made square, and matched against a regular expression of the
    bracket sequences whose depth stays within ``max_depth`` (bounded nesting is a regular
    language). Where it stops short at an opening bracket, that bracket is one level too deep;
    where it stops at a closing one, the decoder refuses the text there, before any recursion.
    """
    if text.count("[") + text.count("{") <= max_depth:
        return  # too few brackets to nest that deep: the common case, two scans
    brackets = _STRINGS.sub("", text).encode("utf-8", "surrogatepass").translate(*_ONLY_BRACKETS)
    within = _within_depth(max_depth).match(brackets)
    index = within.end() if within is not None else 0
    if brackets[index : index + 1] != b"[":
        return
    # Where that bracket is in the text: just past the first index + 1 brackets outside strings.
    found = re.compile(rf"(?:{_TO_A_BRACKET}){{{index + 1}}}", re.DOTALL).match(text)
    position = found.end() - 1 if found is not None else 0
    raise NestedTooDeep(
        f"arrays and objects nest more than {max_depth} levels deep", text, position
    )


# Pure memoisation: one pattern per depth limit, and the code uses one or two limits.
@lru_cache(maxsize=4)
def _within_depth(max_depth: int) -> re.Pattern[bytes]:
    """The longest run of square brackets, from the start, whose depth never passes
    ``max_depth``: balanced groups of depth at most d are ``(?:[B(d-1)])*`` with B(0) empty, and
    a run may leave groups open, each holding shallower ones."""
    balanced = [b""]
    for depth in range(1, max_depth + 1):
        balanced.append(rb"(?:\[" + balanced[depth - 1] + rb"\])*+")
    run = b""
    for depth in range(max_depth + 1):
        run = balanced[depth] + (rb"(?:\[" + run + b")?" if depth else b"")
    return re.compile(run)


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
