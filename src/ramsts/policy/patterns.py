"""Wildcard patterns of Action, Resource and StringLike: ``*`` any run (even empty), ``?`` one char.

A pattern always covers the whole value. ``*`` spans ``/`` and ``:`` (decision 18), so
``acs:oss:*:*:bucket/*`` covers nested object keys and ``acs:ram:*:…`` covers the empty region of a
role ARN. Action patterns are compared in lower case; resources and StringLike are case-sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

ResourceTest = Callable[[str], bool]


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_body(pattern: str) -> str:
    """The regular-expression body of one wildcard pattern (to be used with ``fullmatch``)."""
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


def glob_regex(patterns: Iterable[str]) -> re.Pattern[str]:
    """One compiled alternation that fully matches any of ``patterns``."""
    return re.compile("|".join(f"(?:{glob_body(p)})" for p in patterns), re.DOTALL)


def _always(_: str) -> bool:
    return True


def resource_test(patterns: Iterable[str]) -> ResourceTest:
    """A fast membership test for a statement's Resource list.

    Most resources in real policies are ``*``, a literal ARN, or an ARN prefix followed by a
    single trailing ``*``; those are answered by a set lookup and one ``str.startswith`` call, and
    only the remaining patterns go through one combined regular expression.
    """
    literals: set[str] = set()
    prefixes: list[str] = []
    general: list[str] = []
    for pattern in patterns:
        if pattern == "*":
            return _always
        if not has_wildcard(pattern):
            literals.add(pattern)
        elif pattern.endswith("*") and not has_wildcard(pattern[:-1]):
            prefixes.append(pattern[:-1])
        else:
            general.append(pattern)
    exact = frozenset(literals)
    starts = tuple(prefixes)
    regex = glob_regex(general).fullmatch if general else None

    if regex is None and not starts:
        return exact.__contains__
    if regex is None:
        return lambda resource: resource in exact or resource.startswith(starts)
    if not starts and not exact:
        return lambda resource: regex(resource) is not None
    return lambda resource: (
        resource in exact or resource.startswith(starts) or regex(resource) is not None
    )


def negated(test: ResourceTest) -> ResourceTest:
    return lambda resource: not test(resource)
