"""The policy corpus (tests/corpus/policy/*.json) through the Python API.

Each case is a request against policies with its expected effect and deciding statements, a
trust decision, or an invalid document with its code and pointer. Every numbered rule of
docs/policy-language.md has at least one case.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ramsts.policy import (
    PolicyError,
    Principal,
    Request,
    compile_policy_set,
    evaluate,
    evaluate_trust,
    parse_policy,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "tests" / "corpus" / "policy").glob("*.json"))
CASES = [case for path in CORPUS for case in json.loads(path.read_text())["cases"]]


def source(document: Any) -> Any:
    return document if isinstance(document, str) else json.dumps(document)


def outcome(decision: Any) -> dict[str, Any]:
    return {
        "effect": decision.effect,
        "statements": [[s.policy, s.statement] for s in decision.statements],
    }


def run(case: dict[str, Any]) -> dict[str, Any]:
    if "document" in case:
        try:
            parse_policy(source(case["document"]), case["kind"])
        except PolicyError as error:
            return {"error": error.code, "pointer": error.pointer}
        return {"error": None}
    if "trust_policy" in case:
        trust = parse_policy(source(case["trust_policy"]), "trust")
        principal = Principal(**case["principal"])
        action = case.get("action", "sts:AssumeRole")
        ids = case.get("principal_ids")  # the ids its named principals were bound to (R36)
        decision = evaluate_trust(
            trust, principal, case.get("context"), action=action, principal_ids=ids
        )
        return outcome(decision)
    identity = compile_policy_set(
        [(name, parse_policy(source(doc))) for name, doc in case["policies"].items()]
    )
    session = case.get("session_policy")
    request = Request(**case["request"])
    session_policy = parse_policy(source(session), "session") if session is not None else None
    return outcome(evaluate(request, identity=identity, session=session_policy))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_case(case: dict[str, Any]) -> None:
    assert run(case) == case["expect"], case["description"]


def test_every_rule_of_the_documentation_has_a_case_and_every_case_a_rule() -> None:
    text = (ROOT / "docs" / "policy-language.md").read_text()
    documented = set(re.findall(r"^\*\*(R[0-9]+)\*\*", text, re.MULTILINE))
    covered = {case["rule"] for case in CASES}
    assert documented, "docs/policy-language.md numbers no rules"
    assert documented == covered


def test_case_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
