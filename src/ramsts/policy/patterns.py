"""Wildcard patterns of Action, Resource and StringLike: ``*`` any run (even empty), ``?`` one char.

A pattern always covers the whole value. ``*`` spans ``/`` and ``:`` (decision 18), so
``acs:oss:*:*:bucket/*`` covers nested object keys and ``acs:ram:*:…`` covers the empty region of a
role ARN. Action patterns are compared in lower case; resources and StringLike are case-sensitive.

Patterns are turned into plain string tests (equality, ``startswith``/``endswith``, ordered
``find``) rather than regular expressions: they are as fast to run and far cheaper to build, which
keeps compiling a policy set well under a millisecond per hundred statements. Only patterns with
``?`` use a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from operator import methodcaller

StringTest = Callable[[str], bool]


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _always(_: str) -> bool:
    return True


def _question_marks(pattern: str) -> StringTest:
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    fullmatch = re.compile(body, re.DOTALL).fullmatch
    return lambda value: fullmatch(value) is not None


def glob_test(pattern: str) -> StringTest:
    """A test that ``pattern`` covers a whole value."""
    if pattern == "*":
        return _always
    if "?" in pattern:
        return _question_marks(pattern)
    if pattern and pattern.find("*") == len(pattern) - 1:
        return methodcaller("startswith", pattern[:-1])
    parts = pattern.split("*")
    if len(parts) == 1:
        return pattern.__eq__
    head, *middle, tail = parts
    middle = [part for part in middle if part]
    shortest = len(head) + len(tail) + sum(map(len, middle))
    if not middle:
        return lambda value: (
            len(value) >= shortest and value.startswith(head) and value.endswith(tail)
        )

    def test(value: str) -> bool:
        if len(value) < shortest or not value.startswith(head) or not value.endswith(tail):
            return False
        position, end = len(head), len(value) - len(tail)
        for part in middle:
            found = value.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True

    return test


def any_glob_test(patterns: Iterable[str]) -> StringTest:
    """A test that at least one of ``patterns`` covers a whole value.

    Most patterns in real policies are ``*``, a literal, or a prefix followed by one trailing
    ``*``; those are answered by one set lookup and one ``str.startswith`` call, and only the
    rest are tried one by one.
    """
    patterns = tuple(patterns)
    if len(patterns) == 1:
        return glob_test(patterns[0])
    literals: set[str] = set()
    prefixes: list[str] = []
    others: list[StringTest] = []
    for pattern in patterns:
        if pattern == "*":
            return _always
        if not has_wildcard(pattern):
            literals.add(pattern)
        elif pattern.endswith("*") and not has_wildcard(pattern[:-1]):
            prefixes.append(pattern[:-1])
        else:
            others.append(glob_test(pattern))
    exact = frozenset(literals)
    starts = tuple(prefixes)
    if not others:
        if not starts:
            return exact.__contains__
        if not exact:
            return methodcaller("startswith", starts)
        return lambda value: value in exact or value.startswith(starts)
    if not exact and not starts and len(others) == 1:
        return others[0]
    rest = tuple(others)
    return lambda value: (
        value in exact or value.startswith(starts) or any(test(value) for test in rest)
    )


def negated(test: StringTest) -> StringTest:
    return lambda value: not test(value)
