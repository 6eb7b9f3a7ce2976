"""What is being asked: an action on a resource, with the condition keys the server filled in."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from ramsts.policy.errors import PolicyError, pointer_join, quote

ContextValue = str | Sequence[str]
"""A condition key's value as the evaluator compares it: a string, or several."""

ContextScalar = str | bool | int | float
ContextInput = ContextScalar | Sequence[ContextScalar] | Set[ContextScalar]
"""What a caller may give: booleans and numbers are turned into their policy text."""

CONTEXT_ERROR_CODE = "InvalidParameter.Context"


@dataclass(frozen=True, slots=True)
class Request:
    """``context`` maps condition keys (``acs:SourceIp``…) to a value or a list of values.

    Policies compare strings, so each value is kept in the form a policy writes it: ``True`` and
    ``False`` become ``"true"`` and ``"false"`` (what ``Bool`` takes), integers and finite floats
    their decimal text (``5`` → ``"5"``, ``1e-7`` → ``"0.0000001"``, what ``Numeric…`` reads).
    Anything else — ``None``, bytes, an object, a list inside the list, NaN, a key that is not a
    string — is refused when the request is made, with a :class:`PolicyError`
    (``InvalidParameter.Context``, its pointer naming the key), rather than failing deep inside
    an operator later.

    Keys are matched case-insensitively (R17); the lower-cased index is built on first use and
    kept, so evaluating the same request against several policy sets builds it once.
    """

    action: str
    resource: str
    context: Mapping[str, ContextInput] = field(default_factory=dict)
    _index: dict[str, tuple[str, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for key, value in self.context.items():
            if type(key) is not str or type(value) is not str:
                # Only a context with something other than plain strings pays for the copy.
                object.__setattr__(self, "context", _policy_context(self.context))
                return

    def context_index(self) -> dict[str, tuple[str, ...]]:
        index = self._index
        if index is None:
            index = {}
            # Only strings and sequences of them remain once __post_init__ has run.
            for key, value in cast(Mapping[str, ContextValue], self.context).items():
                values = (value,) if isinstance(value, str) else tuple(value)
                index[key.lower()] = index.get(key.lower(), ()) + values
            object.__setattr__(self, "_index", index)
        return index


def _policy_context(context: Mapping[Any, object]) -> dict[str, ContextValue]:
    converted: dict[str, ContextValue] = {}
    for key, value in context.items():
        if not isinstance(key, str):
            raise PolicyError(
                CONTEXT_ERROR_CODE, f"A condition key must be a string, not {_described(key)}.", ""
            )
        at = pointer_join("", key)
        if isinstance(value, Sequence | Set) and not isinstance(value, str | bytes | bytearray):
            converted[key] = tuple(
                _policy_text(item, pointer_join(at, index)) for index, item in enumerate(value)
            )
        else:
            converted[key] = _policy_text(value, at)
    return converted


def _policy_text(value: object, pointer: str) -> str:
    """A scalar's text as a policy would write it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))  # int() first: an IntEnum's str() is its member name
    if isinstance(value, float) and math.isfinite(value):
        # Decimal of the shortest repr, without an exponent: the form Numeric… operators read.
        return format(Decimal(repr(value)), "f")
    raise PolicyError(
        CONTEXT_ERROR_CODE,
        f"The condition value at {pointer} is {_described(value)}; give a string, a boolean,"
        " a finite number, or a list of those.",
        pointer,
    )


def _described(value: object) -> str:
    if value is None or isinstance(value, bool | int | float):
        return quote(value)  # null, true, 5, NaN, Infinity
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence | Set) and not isinstance(value, str | bytes | bytearray):
        return "a list inside a list"
    if isinstance(value, bytes | bytearray):
        return "bytes, not text"
    return "neither text, a boolean nor a number"
