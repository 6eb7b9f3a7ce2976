"""cedarpy (the Cedar policy engine, Rust, with Python bindings) as a benchmark peer.

Each RAM statement becomes one Cedar policy, `permit` for Allow and `forbid` for Deny, whose
`when` clause carries the matching: Cedar's scope can name single actions and resources but not
patterns, so the request's action (lower-cased: RAM actions are case-insensitive) and resource ARN
travel in the context and are compared with `like`, Cedar's `*` wildcard. Cedar's own rule
(forbid overrides permit, default deny) is RAM's.

Conditions are translated, so decisions are judged against `expected`:
`IpAddress` → `ip(...).isInRange(ip(cidr))` on an `ipaddr` context value, `StringEquals` → `==`;
a key missing from the context fails its condition, as in RAM. Other operators, and RAM's `?`
single-character wildcard (Cedar has none), are refused rather than approximated.

The policy set and the (empty) entity set are parsed once into cedarpy handles. `decide` is one
`is_authorized` call; `decide_batch` is one `is_authorized_batch` call for many requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cedarpy

from peers import Reference, as_list, check_supported, statements

PRINCIPAL = 'User::"bench-user"'
ACTION = 'Action::"call"'
RESOURCE = 'Resource::"target"'


def cedar_string(text: str) -> str:
    """A Cedar string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def like_pattern(glob: str) -> str:
    """A Cedar `like` pattern for a RAM glob (`*` is the wildcard in both)."""
    if "?" in glob:
        raise ValueError(f"cedar: no single-character wildcard for {glob!r}")
    return cedar_string(glob)


def any_of(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " || ".join(terms) + ")"


def condition_terms(condition: dict[str, Any]) -> list[str]:
    """One Cedar term per (operator, key); values of one key are OR-ed, terms AND-ed."""
    terms = []
    for operator, keys in condition.items():
        for key, values in keys.items():
            attribute = f"context[{cedar_string(key)}]"
            if operator == "IpAddress":
                tests = [f"{attribute}.isInRange(ip({cedar_string(v)}))" for v in as_list(values)]
            elif operator == "StringEquals":
                tests = [f"{attribute} == {cedar_string(v)}" for v in as_list(values)]
            else:
                raise ValueError(f"cedar: condition operator {operator!r} is not translated")
            terms.append(f"(context has {cedar_string(key)} && {any_of(tests)})")
    return terms


def to_cedar_policy(policy_name: str, index: int, statement: dict[str, Any]) -> str:
    check_supported(statement, "cedar")
    effect = "permit" if statement["Effect"] == "Allow" else "forbid"
    actions = [
        f"context.action like {like_pattern(a.lower())}" for a in as_list(statement["Action"])
    ]
    resources = [f"context.resource like {like_pattern(r)}" for r in as_list(statement["Resource"])]
    terms = [any_of(actions), any_of(resources), *condition_terms(statement.get("Condition", {}))]
    return (
        f"@id({cedar_string(f'{policy_name}/{index}')})\n"
        f"{effect} (principal, action, resource)\n"
        f"when {{ {' && '.join(terms)} }};"
    )


def ip_keys(policies: Sequence[dict[str, Any]]) -> frozenset[str]:
    """Context keys compared as IP addresses somewhere in the policies."""
    return frozenset(
        key
        for _, _, statement in statements(policies)
        for key in statement.get("Condition", {}).get("IpAddress", {})
    )


class CedarEngine:
    name = "cedarpy per-call"
    reference: Reference = "expected"

    def __init__(self, policies: Sequence[dict[str, Any]]) -> None:
        self.source = "\n\n".join(to_cedar_policy(*s) for s in statements(policies))
        self._policies = cedarpy.PolicySet.from_str(self.source)
        self._entities = cedarpy.Entities.from_json_str("[]")
        self._ip_keys = ip_keys(policies)

    def prepare(self, request: dict[str, Any]) -> dict[str, Any]:
        context: dict[str, Any] = {
            "action": request["action"].lower(),
            "resource": request["resource"],
        }
        for key, value in request["context"].items():
            if key in self._ip_keys:
                context[key] = {"__extn": {"fn": "ip", "arg": value}}
            else:
                context[key] = value
        return {"principal": PRINCIPAL, "action": ACTION, "resource": RESOURCE, "context": context}

    def decide(self, prepared: dict[str, Any]) -> bool:
        return cedarpy.is_authorized(prepared, self._policies, self._entities).allowed

    def decide_batch(self, prepared: Sequence[dict[str, Any]]) -> list[bool]:
        results = cedarpy.is_authorized_batch(list(prepared), self._policies, self._entities)
        return [result.allowed for result in results]


class CedarBatchEngine(CedarEngine):
    """The same engine, reported under its batch figures."""

    name = "cedarpy batch"
    timed_in_batches = True
