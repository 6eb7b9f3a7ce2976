"""Condition operators: the ones RAM documents, the typing of their literals, their matching.

Each operator is described once: which literals it accepts (checked when a policy is parsed, so a
bad CIDR or date is refused up front) and how it compares a request's values with the policy's
pre-parsed values. Negated operators are the negation of their positive twin (AWS semantics,
decision 3): with several policy values the request value must match none of them, and a key
missing from the request makes a negated operator true and a positive one false.
"""

from __future__ import annotations

import ipaddress
import operator as op
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ramsts.policy.patterns import any_glob_test

RequestValues = tuple[str, ...]
Predicate = Callable[[RequestValues], bool]
"""The positive form of one condition clause, applied to the request's values for its key."""

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_INSTANT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2}))?"
)


def parse_number(text: str) -> Decimal | None:
    if _NUMBER.fullmatch(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_instant(text: str) -> datetime | None:
    """ISO 8601: a date-time with ``Z`` or an offset, or a date alone (midnight UTC)."""
    match = _INSTANT.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = UTC
    if zone is not None and zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset >= timedelta(hours=24):
            return None
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:
        return None


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR block or a single address (a /32 or /128), IPv4 or IPv6 (decision 6)."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


# Pure memoisation, not store data (no invalidation to follow): a server sees the same few
# client addresses request after request, and parsing one costs more than the comparison.
@lru_cache(maxsize=4096)
def _request_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    family: str
    negated: bool
    literal_error: Callable[[str], str | None]
    """Why a policy literal is unacceptable for this operator, or None when it is fine."""
    build: Callable[[tuple[str, ...]], Predicate]


def _any_string(_: str) -> str | None:
    return None


def _number_error(text: str) -> str | None:
    return None if parse_number(text) is not None else "is not a decimal number"


def _instant_error(text: str) -> str | None:
    if parse_instant(text) is not None:
        return None
    return "is not an ISO 8601 date (2024-05-01) or date-time with Z or an offset"


def _bool_error(text: str) -> str | None:
    return None if text in ("true", "false") else 'is not "true" or "false"'


def _network_error(text: str) -> str | None:
    return None if parse_network(text) is not None else "is not an IP address or CIDR block"


def _string_equals(values: tuple[str, ...]) -> Predicate:
    accepted = frozenset(values)
    return lambda request: not accepted.isdisjoint(request)


def _string_equals_ignore_case(values: tuple[str, ...]) -> Predicate:
    accepted = frozenset(v.casefold() for v in values)
    return lambda request: any(v.casefold() in accepted for v in request)


def _string_like(values: tuple[str, ...]) -> Predicate:
    matches = any_glob_test(values)
    return lambda request: any(matches(v) for v in request)


def _compared(
    parse: Callable[[str], Any], compare: Callable[[Any, Any], bool]
) -> Callable[[tuple[str, ...]], Predicate]:
    def build(values: tuple[str, ...]) -> Predicate:
        bounds = tuple(parse(v) for v in values)

        def predicate(request: RequestValues) -> bool:
            for raw in request:
                value = parse(raw)
                if value is not None and any(compare(value, bound) for bound in bounds):
                    return True
            return False

        return predicate

    return build


def _bool(values: tuple[str, ...]) -> Predicate:
    accepted = frozenset(values)
    return lambda request: any(v.lower() in accepted for v in request)


def _ip_address(values: tuple[str, ...]) -> Predicate:
    networks = tuple(n for n in map(parse_network, values) if n is not None)

    def predicate(request: RequestValues) -> bool:
        for raw in request:
            address = _request_address(raw)
            if address is not None and any(address in network for network in networks):
                return True
        return False

    return predicate


def _operators() -> dict[str, Operator]:
    table: list[Operator] = [
        Operator("StringEquals", "String", False, _any_string, _string_equals),
        Operator("StringNotEquals", "String", True, _any_string, _string_equals),
        Operator(
            "StringEqualsIgnoreCase", "String", False, _any_string, _string_equals_ignore_case
        ),
        Operator(
            "StringNotEqualsIgnoreCase", "String", True, _any_string, _string_equals_ignore_case
        ),
        Operator("StringLike", "String", False, _any_string, _string_like),
        Operator("StringNotLike", "String", True, _any_string, _string_like),
        Operator("Bool", "Boolean", False, _bool_error, _bool),
        Operator("IpAddress", "IP address", False, _network_error, _ip_address),
        Operator("NotIpAddress", "IP address", True, _network_error, _ip_address),
    ]
    comparisons: list[tuple[str, Callable[[Any, Any], bool], bool]] = [
        ("Equals", op.eq, False),
        ("NotEquals", op.eq, True),
        ("LessThan", op.lt, False),
        ("LessThanEquals", op.le, False),
        ("GreaterThan", op.gt, False),
        ("GreaterThanEquals", op.ge, False),
    ]
    for suffix, compare, negated in comparisons:
        table.append(
            Operator(
                f"Numeric{suffix}",
                "Number",
                negated,
                _number_error,
                _compared(parse_number, compare),
            )
        )
        table.append(
            Operator(
                f"Date{suffix}", "Date", negated, _instant_error, _compared(parse_instant, compare)
            )
        )
    return {operator.name: operator for operator in table}


OPERATORS: dict[str, Operator] = _operators()
"""Every condition operator RAM documents, by its case-sensitive name."""

_AWS_ONLY = (
    ("IfExists", "an …IfExists operator"),
    ("ForAnyValue:", "a ForAnyValue: set operator"),
    ("ForAllValues:", "a ForAllValues: set operator"),
    ("Null", "the Null operator"),
    ("Arn", "an Arn… operator"),
    ("Binary", "a Binary… operator"),
)


def unknown_operator_reason(name: str) -> str:
    """Why ``name`` is refused as a condition operator (decision 7: RAM's list only)."""
    for known in OPERATORS:
        if known.lower() == name.lower():
            return f"is not a condition operator; names are case-sensitive (use {known!r})"
    for marker, what in _AWS_ONLY:
        if marker in name:
            return f"is {what}, which AWS supports but RAM does not"
    return "is not a condition operator RAM supports"
