"""What the guard answers, and how VerifyRequest carries it."""

from __future__ import annotations

import pytest

from ramsts.errors import InvalidParameter
from ramsts.guard.context import checked_service_context
from ramsts.guard.result import (
    VerifiedPrincipal,
    decision_body,
    decision_from_body,
    principal_body,
    principal_from_body,
    resolve_resource,
)
from ramsts.policy import DecidingStatement, Decision


def test_a_decision_survives_the_wire() -> None:
    decision = Decision("Allow", (DecidingStatement("IoTReadOnly", 6, "Allow", "Read"),))
    assert decision_from_body(decision_body(decision)) == decision


def test_an_implicit_deny_names_the_policy_sets_that_gave_no_allow() -> None:
    decision = Decision("ImplicitDeny", (), ("identity", "session"))
    assert decision_from_body(decision_body(decision)).missing == ("identity", "session")


def test_a_principal_survives_the_wire() -> None:
    principal = VerifiedPrincipal(
        "1234567890123456",
        "acs:ram::1234567890123456:assumed-role/iotstsrole/s1",
        "AssumedRoleUser",
        "300401948379881138:s1",
        "STS.abc",
    )
    assert principal_from_body(principal_body(principal)) == principal


def test_the_account_placeholder_becomes_the_callers_account() -> None:
    assert (
        resolve_resource("acs:iot:cn-shanghai:${AccountId}:product/a1", "42")
        == "acs:iot:cn-shanghai:42:product/a1"
    )


@pytest.mark.parametrize("key", ["acs:SourceIp", "ACS:PrincipalARN", "acs:MFAPresent"])
def test_a_service_cannot_overrule_the_requests_own_keys(key: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        checked_service_context({key: "x"})
    assert refused.value.code == "InvalidParameter.Context"


def test_a_service_may_add_its_own_keys_and_resource_tags() -> None:
    extra = {"iot:ProductType": "sensor", "acs:ResourceTag/env": "prod"}
    assert checked_service_context(extra) == extra
