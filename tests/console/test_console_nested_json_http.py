"""The policy editor's check (``POST /console/api/policy-check``, a fetch endpoint) answers a
document nested a thousand levels deep with the engine's own verdict, pointing at the bracket
one level too deep; a request body nested that deep is a 400. Never a 500."""

from __future__ import annotations

import pytest
from console_site import ConsoleClient, ConsoleSite

LEVELS = 1000
MAX_DEPTH = 32  # docs/policy-language.md, R1
DEEP_POLICY = '{"Version": "1", "Statement": ' + "[" * LEVELS + "]" * LEVELS + "}"


@pytest.mark.parametrize("kind", ["identity", "trust"])
def test_a_document_nested_a_thousand_deep_gets_the_engine_s_verdict(
    client: ConsoleClient, console: ConsoleSite, kind: str
) -> None:
    client.sign_in(console.account_id, console.root_password)
    answer = client.http.post(
        "/console/api/policy-check",
        json={"document": DEEP_POLICY, "kind": kind},
        headers={"X-CSRF-Token": client.csrf},
    )
    verdict = answer.json()
    assert answer.status_code == 200
    assert verdict["valid"] is False
    assert verdict["code"] == "MalformedPolicyDocument"
    assert f"more than {MAX_DEPTH} levels deep" in verdict["message"]
    # The editor marks the first bracket past the limit: the document's own object is level 1.
    assert verdict["start"] == DEEP_POLICY.index("[") + MAX_DEPTH - 1
    assert DEEP_POLICY[verdict["start"] : verdict["end"]] == "["


def test_a_request_body_nested_a_thousand_deep_is_a_400(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, console.root_password)
    answer = client.http.post(
        "/console/api/policy-check",
        content="[" * LEVELS + "]" * LEVELS,
        headers={"X-CSRF-Token": client.csrf, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": 'Send {"document": "...", "kind": "identity"}.'}
