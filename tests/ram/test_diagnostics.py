"""DecodeDiagnosticMessage: a denial's sealed reasons, readable only within its account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import NoPermission
from ramsts.store import Account, User


def encoded_denial(ram_actions: Any, caller: Caller, action: str, **params: str) -> str:
    with pytest.raises(NoPermission) as excinfo:
        ram_actions.call(caller, action, **params)
    encoded: str = excinfo.value.detail["EncodedDiagnosticMessage"]
    return encoded


def test_the_root_decodes_a_denial_of_its_user(
    ram_actions: Any, root: Caller, alice_caller: Caller
) -> None:
    encoded = encoded_denial(ram_actions, alice_caller, "CreateUser", UserName="bob")
    decoded = ram_actions.call(root, "DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)
    message = decoded["DecodedDiagnosticMessage"]
    assert message["AuthAction"] == "ram:CreateUser"
    assert message["AuthResource"] == f"acs:ram::{root.account_id}:user/bob"
    assert message["AuthPrincipal"] == {
        "AuthPrincipalType": "SubUser",
        "AuthPrincipalDisplayName": "alice",
        "AuthPrincipalOwnerId": root.account_id,
    }
    assert message["Effect"] == "ImplicitDeny"
    assert message["ExplicitDeny"] is False
    assert message["NoPermissionPolicyType"] == "AccountLevelIdentityBasedPolicy"


def test_an_explicit_deny_names_its_policy_and_statement(
    ram_actions: Any, root: Caller, alice: User, alice_caller: Caller, grant: Callable[..., None]
) -> None:
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": "ram:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ram:DeleteUser", "Resource": "*"},
    )
    encoded = encoded_denial(ram_actions, alice_caller, "DeleteUser", UserName="alice")
    message = ram_actions.call(root, "DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)[
        "DecodedDiagnosticMessage"
    ]
    [matched] = message["MatchedPolicies"]
    assert matched["Effect"] == "Deny"
    assert matched["StatementIndex"] == 1
    assert matched["PolicyVersion"] == "v1"
    assert matched["AttachedEntityType"] == "User"


def test_another_account_cannot_decode_it(
    ram_actions: Any,
    alice_caller: Caller,
    other_account: Account,
    caller_for_root: Callable[[Account], Caller],
) -> None:
    encoded = encoded_denial(ram_actions, alice_caller, "ListUsers")
    other = caller_for_root(other_account)
    assert (
        ram_actions.error(other, "DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)
        == "InvalidParameter.EncodedDiagnosticMessage"
    )


@pytest.mark.parametrize("garbage", ["not base64 at all!", "czEuQUFBQQ==", "AAAA"])
def test_a_forged_message_is_an_invalid_parameter(
    ram_actions: Any, root: Caller, garbage: str
) -> None:
    assert (
        ram_actions.error(root, "DecodeDiagnosticMessage", EncodedDiagnosticMessage=garbage)
        == "InvalidParameter.EncodedDiagnosticMessage"
    )


def test_decoding_needs_permission_to_decode(ram_actions: Any, alice_caller: Caller) -> None:
    encoded = encoded_denial(ram_actions, alice_caller, "ListUsers")
    assert (
        ram_actions.error(alice_caller, "DecodeDiagnosticMessage", EncodedDiagnosticMessage=encoded)
        == "NoPermission"
    )
