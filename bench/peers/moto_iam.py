"""moto's IAM policy evaluator as a benchmark peer.

moto (the AWS mocking library) checks identity policies in `moto.iam.access_control`:
`IAMPolicy.is_action_permitted` walks the statements of one policy and answers PERMITTED, DENIED
or NEUTRAL, and `IAMRequestBase.check_action_permitted` combines the policies of a caller with
deny-overrides. This peer does the same combination over `IAMPolicy` objects built once (moto
itself re-reads each policy's JSON on every request, which would be slower still).

RAM documents become IAM documents: Version "2012-10-17", and `acs:` ARNs become `arn:acs:` ARNs
(partition "acs"), on both the policy and the request side.

Conditions are dropped, so decisions are judged against `expected_nocond`: moto understands only
the operators of trust policies, and it answers DENIED for any statement whose condition fails,
Allow statements included, which is not IAM's (or RAM's) meaning.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult

from peers import Reference, as_list, check_supported

IAM_VERSION = "2012-10-17"


def to_iam_arn(resource: str) -> str:
    """`acs:svc:region:account:type/id` → `arn:acs:svc:region:account:type/id`; `*` stays."""
    return "arn:" + resource if resource.startswith("acs:") else resource


def to_iam_document(ram_document: dict[str, Any]) -> dict[str, Any]:
    """The IAM form of one RAM policy document, without its conditions."""
    iam_statements = []
    for statement in as_list(ram_document["Statement"]):
        check_supported(statement, "moto")
        iam_statements.append(
            {
                "Effect": statement["Effect"],
                "Action": as_list(statement["Action"]),
                "Resource": [to_iam_arn(r) for r in as_list(statement["Resource"])],
            }
        )
    return {"Version": IAM_VERSION, "Statement": iam_statements}


class MotoIamEngine:
    name = "moto IAMPolicy"
    reference: Reference = "expected_nocond"

    def __init__(self, policies: Sequence[dict[str, Any]]) -> None:
        self._policies = [
            IAMPolicy(json.dumps(to_iam_document(p["PolicyDocument"]))) for p in policies
        ]

    def prepare(self, request: dict[str, Any]) -> tuple[str, str]:
        return request["action"], to_iam_arn(request["resource"])

    def decide(self, prepared: tuple[str, str]) -> bool:
        action, resource = prepared
        permitted = False
        for policy in self._policies:
            result = policy.is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return False
            if result == PermissionResult.PERMITTED:
                permitted = True
        return permitted
