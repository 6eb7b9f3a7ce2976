"""SetSecurityPreference and GetSecurityPreference: the real nested shape and defaults, ranges,
LoginNetworkMasks, which source addresses the masks let sign in, and what the self-service
settings grant whom."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.ram.security_preference import SecurityPreference
from ramsts.ram.service import RamService
from ramsts.ram.totp import decode_base32_seed, totp
from ramsts.ram.wire import access_keys, mfa, security_preference
from ramsts.store import User

DEFAULTS = {
    "LoginProfilePreference": {
        "EnableSaveMFATicket": False,
        "AllowUserToChangePassword": True,
        "LoginSessionDuration": 6,
        "LoginNetworkMasks": "",
    },
    "AccessKeyPreference": {"AllowUserToManageAccessKeys": False},
    "MFAPreference": {"AllowUserToManageMFADevices": True},
    "PublicKeyPreference": {"AllowUserToManagePublicKeys": False},
}


@pytest.fixture
def actions(ram_actions: Any, ram: RamService) -> Any:
    security_preference.register(ram_actions, ram)
    return ram_actions


def login_preference(actions: Any, root: Caller) -> dict[str, Any]:
    body = actions.call(root, "GetSecurityPreference")
    return dict(body["SecurityPreference"]["LoginProfilePreference"])


def test_an_account_that_never_set_a_preference_has_the_real_defaults(
    actions: Any, root: Caller
) -> None:
    assert actions.call(root, "GetSecurityPreference") == {"SecurityPreference": DEFAULTS}


def test_set_security_preference_answers_and_keeps_every_setting(
    actions: Any, root: Caller
) -> None:
    expected = {
        "LoginProfilePreference": {
            "EnableSaveMFATicket": True,
            "AllowUserToChangePassword": False,
            "LoginSessionDuration": 12,
            "LoginNetworkMasks": "10.0.0.0/8;192.168.1.0/24",
        },
        "AccessKeyPreference": {"AllowUserToManageAccessKeys": True},
        "MFAPreference": {"AllowUserToManageMFADevices": False},
        "PublicKeyPreference": {"AllowUserToManagePublicKeys": True},
    }
    body = actions.call(
        root,
        "SetSecurityPreference",
        EnableSaveMFATicket="true",
        AllowUserToChangePassword="false",
        LoginSessionDuration="12",
        LoginNetworkMasks="10.0.0.0/8; 192.168.1.0/24",
        AllowUserToManageAccessKeys="true",
        AllowUserToManageMFADevices="false",
        AllowUserToManagePublicKeys="true",
    )
    assert body == {"SecurityPreference": expected}
    assert actions.call(root, "GetSecurityPreference") == {"SecurityPreference": expected}


def test_settings_a_call_does_not_name_keep_their_values(actions: Any, root: Caller) -> None:
    actions.call(root, "SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8")
    actions.call(root, "SetSecurityPreference", LoginSessionDuration="24")
    assert login_preference(actions, root)["LoginNetworkMasks"] == "10.0.0.0/8"
    assert login_preference(actions, root)["LoginSessionDuration"] == 24


def test_network_masks_sent_empty_are_cleared(actions: Any, root: Caller) -> None:
    actions.call(root, "SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8")
    actions.call(root, "SetSecurityPreference", LoginNetworkMasks="")
    assert login_preference(actions, root)["LoginNetworkMasks"] == ""


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"LoginSessionDuration": "0"}, "InvalidParameter.LoginSessionDuration"),
        ({"LoginSessionDuration": "25"}, "InvalidParameter.LoginSessionDuration"),
        ({"LoginNetworkMasks": "10.0.0.0/33"}, "InvalidParameter.LoginNetworkMasks"),
        ({"LoginNetworkMasks": "10.0.0.0/8;intranet"}, "InvalidParameter.LoginNetworkMasks"),
        (
            {"LoginNetworkMasks": ";".join(f"10.{n}.0.0/16" for n in range(26))},
            "InvalidParameter.LoginNetworkMasks",
        ),
        ({"EnableSaveMFATicket": "sometimes"}, "InvalidParameter.EnableSaveMFATicket"),
    ],
)
def test_set_security_preference_refuses_bad_values_and_changes_nothing(
    actions: Any, root: Caller, params: dict[str, str], code: str
) -> None:
    assert actions.error(root, "SetSecurityPreference", AllowUserToChangePassword="false",
                         **params) == code  # fmt: skip
    assert actions.call(root, "GetSecurityPreference") == {"SecurityPreference": DEFAULTS}


def test_session_durations_of_one_and_twenty_four_hours_are_accepted(
    actions: Any, root: Caller
) -> None:
    for hours in ("1", "24"):
        actions.call(root, "SetSecurityPreference", LoginSessionDuration=hours)
        assert login_preference(actions, root)["LoginSessionDuration"] == int(hours)


def test_a_user_needs_permission_to_read_or_set_the_preference(
    actions: Any, alice: User, alice_caller: Caller, grant: Any
) -> None:
    assert actions.error(alice_caller, "GetSecurityPreference") == "NoPermission"
    assert actions.error(alice_caller, "SetSecurityPreference") == "NoPermission"
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": "ram:*SecurityPreference", "Resource": "*"},
    )
    actions.call(alice_caller, "SetSecurityPreference", LoginSessionDuration="8")
    assert actions.call(alice_caller, "GetSecurityPreference")["SecurityPreference"]


@pytest.mark.parametrize(
    ("masks", "source_ip", "allowed"),
    [
        ("", "203.0.113.9", True),
        ("", "not an address", True),
        ("10.0.0.0/8", "10.20.30.40", True),
        ("10.0.0.0/8", "11.0.0.1", False),
        ("10.0.0.0/8;192.168.1.7", "192.168.1.7", True),
        ("10.0.0.0/8;192.168.1.7", "192.168.1.8", False),
        ("2001:db8::/32", "2001:db8::1", True),
        ("10.0.0.0/8", "not an address", False),
    ],
)
def test_network_masks_decide_which_source_addresses_may_sign_in(
    masks: str, source_ip: str, allowed: bool
) -> None:
    preference = SecurityPreference(login_network_masks=masks)
    assert preference.allows_source_ip(source_ip) is allowed


def test_the_self_service_grant_is_a_ram_user_s_own_and_unbinding_needs_mfa(
    ram_actions: Any, ram: RamService, root: Caller, alice: User, alice_caller: Caller
) -> None:
    """A role session is no RAM user, whatever its name: the preference grants it nothing on the
    user of that name. A user unbinds its own device only after an MFA check."""
    for module in (security_preference, access_keys, mfa):
        module.register(ram_actions, ram)
    ram_actions.call(root, "SetSecurityPreference", AllowUserToManageAccessKeys="true")
    role_session = replace(
        alice_caller,
        identity_type="AssumedRoleUser",
        arn=f"acs:ram::{alice.account_id}:assumed-role/alice/alice",
        user_id=None,
        role_id="300000000000000001",
        role_name="alice",
    )
    params = {"UserName": "alice"}
    assert ram_actions.error(role_session, "ListAccessKeys", **params) == "NoPermission"
    assert ram_actions.call(alice_caller, "ListAccessKeys", **params)["AccessKeys"]

    device = ram_actions.call(root, "CreateVirtualMFADevice", VirtualMFADeviceName="alice")
    seed = decode_base32_seed(device["VirtualMFADevice"]["Base32StringSeed"])
    now = ram.now()
    ram_actions.call(
        alice_caller,
        "BindMFADevice",
        SerialNumber=device["VirtualMFADevice"]["SerialNumber"],
        UserName="alice",
        AuthenticationCode1=totp(seed, now - timedelta(seconds=30)),
        AuthenticationCode2=totp(seed, now),
    )
    assert ram_actions.error(alice_caller, "UnbindMFADevice", **params) == "NoPermission"
    with_mfa = replace(alice_caller, context={**alice_caller.context, "acs:MFAPresent": "true"})
    assert ram_actions.call(with_mfa, "UnbindMFADevice", **params)["MFADevice"]
