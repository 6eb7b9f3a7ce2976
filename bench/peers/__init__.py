"""Peer policy engines for `bench/policy_bench.py`.

Each peer translates the workload's RAM policies (JSON, Version "1") into its own language once,
in its constructor, and then answers one request at a time. The protocol below is all the
benchmark relies on; request translation happens in `prepare`, outside the timed call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol

# Which reference decision of the workload an engine is judged against: engines that evaluate
# conditions against `expected`, engines that drop them against `expected_nocond`.
Reference = Literal["expected", "expected_nocond"]


class Engine(Protocol):
    """A policy engine under benchmark, built once from the workload's policies."""

    name: str
    reference: Reference

    def prepare(self, request: dict[str, Any]) -> Any:
        """Turn a workload request into the engine's native request (not timed)."""

    def decide(self, prepared: Any) -> bool:
        """Return True when the request is allowed (timed)."""


class BatchEngine(Engine, Protocol):
    """An engine that can also decide many prepared requests in one call."""

    def decide_batch(self, prepared: Sequence[Any]) -> list[bool]:
        """Return one decision per prepared request, in order (timed per batch)."""


def as_list(value: Any) -> list[Any]:
    """RAM accepts a single string where a list is allowed."""
    return value if isinstance(value, list) else [value]


def statements(policies: Sequence[dict[str, Any]]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(policy name, statement index, statement) for every statement of every policy."""
    for policy in policies:
        for index, statement in enumerate(as_list(policy["PolicyDocument"]["Statement"])):
            yield policy["PolicyName"], index, statement


def check_supported(statement: dict[str, Any], engine: str) -> None:
    """Refuse statement elements the peer translations do not express."""
    for element in ("NotAction", "NotResource", "Principal"):
        if element in statement:
            raise ValueError(f"{engine}: the {element} element is not translated")
