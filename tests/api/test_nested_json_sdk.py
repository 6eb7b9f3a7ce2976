"""JSON nested a thousand levels deep, in any parameter that carries JSON, is refused with that
parameter's own code and HTTP 400 — never a 500 — and so are integers that are not written in
ASCII digits. Through Alibaba's classic SDK (``CommonRequest``) against a live server, on both
stores.

Python's JSON decoder gives up around a thousand levels down with ``RecursionError``, which is
no ``ValueError`` and used to reach the client as ``InternalError``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest

from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

RAM, STS, RAMSTS = "2015-05-01", "2015-04-01", "2026-11-01"
LEVELS = 1000
ARRAYS = "[" * LEVELS + "]" * LEVELS
OBJECTS = '{"a":' * LEVELS + "1" + "}" * LEVELS
POLICY_OVER_ARRAYS = '{"Version": "1", "Statement": ' + ARRAYS + "}"
ALLOW_ALL = json.dumps(
    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def as_marker(text: str) -> str:
    """Markers and NextTokens are base64 of JSON: the nesting arrives one decode later."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture
def server(db_url: str) -> Iterator[RamstsServer]:
    with ramsts_server(db_url=db_url) as started:
        yield started


def call(
    server: RamstsServer, key: AccessKey | None, version: str, action: str, **params: str
) -> Any:
    request = CommonRequest(domain=server.endpoint, version=version, action_name=action)
    request.set_protocol_type("http")
    request.set_method("POST")
    for name, value in params.items():
        request.add_body_params(name, value)
    return json.loads(server.acs_client(key).do_action_with_exception(request))


def refusal(
    server: RamstsServer, key: AccessKey | None, version: str, action: str, **params: str
) -> tuple[int, str]:
    with pytest.raises(ServerException) as refused:
        call(server, key, version, action, **params)
    return refused.value.get_http_status(), refused.value.get_error_code()


CARRIERS = [
    # (parameter, version, action, the other parameters, the code of the refusal)
    ("PolicyDocument", RAM, "CreatePolicy", {"PolicyName": "p"}, "MalformedPolicyDocument"),
    ("PolicyDocument", RAM, "CreatePolicyVersion", {"PolicyName": "Existing"},
     "MalformedPolicyDocument"),
    ("AssumeRolePolicyDocument", RAM, "CreateRole", {"RoleName": "r"}, "MalformedPolicyDocument"),
    ("NewAssumeRolePolicyDocument", RAM, "UpdateRole", {"RoleName": "reader"},
     "MalformedPolicyDocument"),
    ("Policy", STS, "AssumeRole", {"RoleSessionName": "deep"}, "InvalidParameter.PolicyGrammar"),
    ("ResourceNames", RAM, "TagResources", {"ResourceType": "role", "Tag": '[{"Key": "k"}]'},
     "InvalidParameter.ResourceNames"),
    ("Tag", RAM, "TagResources", {"ResourceType": "role", "ResourceNames": '["reader"]'},
     "InvalidParameter.Tag"),
    ("TagKeys", RAM, "UntagResources", {"ResourceType": "role", "ResourceNames": '["reader"]'},
     "InvalidParameter.TagKeys"),
    ("Tag", RAM, "CreatePolicy", {"PolicyName": "t", "PolicyDocument": ALLOW_ALL},
     "InvalidParameter.Tag"),
    ("Marker", RAM, "ListUsers", {}, "InvalidParameter.Marker"),
    ("NextToken", RAM, "ListTagResources", {"ResourceType": "role"}, "InvalidParameter.NextToken"),
    ("Headers", RAMSTS, "VerifyRequest", {"HttpMethod": "GET"}, "InvalidParameter.Headers"),
    ("Context", RAMSTS, "VerifyRequest", {"HttpMethod": "GET", "Headers": "[]"},
     "InvalidParameter.Context"),
]  # fmt: skip
BASE64_OF_JSON = frozenset({"Marker", "NextToken"})


@pytest.mark.parametrize(
    "deep", [ARRAYS, OBJECTS, POLICY_OVER_ARRAYS], ids=["arrays", "objects", "policy"]
)
def test_every_json_parameter_nested_a_thousand_deep_gets_its_own_400(
    server: RamstsServer, deep: str
) -> None:
    assumer = server.create_user("assumer", policies=["AliyunSTSAssumeRoleAccess"])
    role_arn = server.create_role("reader")
    server.call(RAM, "CreatePolicy", PolicyName="Existing", PolicyDocument=ALLOW_ALL)
    answers, expected = {}, {}
    for name, version, action, others, code in CARRIERS:
        params = {**others, name: as_marker(deep) if name in BASE64_OF_JSON else deep}
        if action == "AssumeRole":
            params["RoleArn"] = role_arn
        key = assumer if version == STS else None
        answers[f"{action} {name}"] = refusal(server, key, version, action, **params)
        expected[f"{action} {name}"] = (400, code)
    assert answers == expected


NOT_ASCII_DIGITS = ["١٠", "１０", "1_0", "+10", " 10", "10 "]
"""Ten, as Python's int() would read it (Arabic-Indic and full-width digits, an underscore,
a plus sign, spaces) but the real service does not."""


def test_an_integer_is_read_only_from_ascii_digits(server: RamstsServer) -> None:
    answers = {written: refusal(server, None, RAM, "ListUsers", MaxItems=written)
               for written in NOT_ASCII_DIGITS}  # fmt: skip
    assert answers == dict.fromkeys(NOT_ASCII_DIGITS, (400, "InvalidParameter.MaxItems"))
    assert call(server, None, RAM, "ListUsers", MaxItems="10")["IsTruncated"] is False


def test_a_duration_in_other_digits_is_refused_before_anything_is_issued(
    server: RamstsServer,
) -> None:
    user = server.create_user("assumer", policies=["AliyunSTSAssumeRoleAccess"])
    role_arn = server.create_role("reader")
    assert refusal(
        server,
        user,
        STS,
        "AssumeRole",
        RoleArn=role_arn,
        RoleSessionName="session",
        DurationSeconds="٣٦٠٠",
    ) == (400, "InvalidParameter.DurationSeconds")
    issued = call(server, user, STS, "AssumeRole", RoleArn=role_arn, RoleSessionName="session",
                  DurationSeconds="3600")  # fmt: skip
    assert issued["Credentials"]["AccessKeyId"].startswith("STS.")
