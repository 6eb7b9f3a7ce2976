"""Virtual MFA devices: create (seed shown once, sealed at rest, a real QR code), list, bind with
two consecutive codes, GetUserMFAInfo, unbind, delete, and their codes."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram import mfa
from ramsts.ram.service import RamService
from ramsts.ram.totp import decode_base32_seed, totp
from ramsts.ram.wire import mfa as mfa_wire
from ramsts.store import Account, User

STEP = timedelta(seconds=30)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def actions(ram_actions: Any, ram: RamService) -> Any:
    mfa_wire.register(ram_actions, ram)
    return ram_actions


def create_device(actions: Any, caller: Caller, name: str = "dev-1") -> dict[str, Any]:
    device: dict[str, Any] = actions.call(
        caller, "CreateVirtualMFADevice", VirtualMFADeviceName=name
    )["VirtualMFADevice"]
    return device


def codes(device: dict[str, Any], clock: Any) -> dict[str, str]:
    """The previous and the current code of the device's app, as a user would type them."""
    seed = decode_base32_seed(device["Base32StringSeed"])
    return {
        "AuthenticationCode1": totp(seed, clock.now - STEP),
        "AuthenticationCode2": totp(seed, clock.now),
    }


def bind(actions: Any, caller: Caller, device: dict[str, Any], clock: Any, user: str) -> None:
    actions.call(
        caller,
        "BindMFADevice",
        SerialNumber=device["SerialNumber"],
        UserName=user,
        **codes(device, clock),
    )


def test_create_virtual_mfa_device_answers_the_serial_the_seed_and_a_qr_code_png(
    actions: Any, ram: RamService, root: Caller
) -> None:
    device = create_device(actions, root, "Dev.1_x")
    assert device["SerialNumber"] == f"acs:ram::{root.account_id}:mfa/Dev.1_x"
    seed = decode_base32_seed(device["Base32StringSeed"])
    assert len(seed) == 40
    assert base64.b64decode(device["QRCodePNG"]).startswith(PNG_SIGNATURE)
    with ram.store.read() as tx:
        stored = tx.mfa_devices.get(device["SerialNumber"])
    assert stored is not None
    assert device["Base32StringSeed"] not in stored.sealed_seed
    assert mfa.unseal_seed(ram.master_key, stored) == seed


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("d" * 65, "InvalidParameter.VirtualMFADeviceName.Length"),
        ("my device", "InvalidParameter.VirtualMFADeviceName.InvalidChars"),
        ("", "MissingParameter"),
    ],
)
def test_create_virtual_mfa_device_refuses_bad_names(
    actions: Any, root: Caller, name: str, code: str
) -> None:
    assert actions.error(root, "CreateVirtualMFADevice", VirtualMFADeviceName=name) == code


def test_device_names_are_unique_regardless_of_case(actions: Any, root: Caller) -> None:
    create_device(actions, root, "dev-1")
    assert actions.error(root, "CreateVirtualMFADevice", VirtualMFADeviceName="DEV-1") == (
        "EntityAlreadyExists.VirtualMFADevice"
    )


def test_an_account_has_at_most_its_quota_of_devices(
    actions: Any, root: Caller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mfa, "MAX_VIRTUAL_MFA_DEVICES", 2)
    create_device(actions, root, "dev-1")
    create_device(actions, root, "dev-2")
    assert actions.error(root, "CreateVirtualMFADevice", VirtualMFADeviceName="dev-3") == (
        "LimitExceeded.VirtualMFADevice"
    )


def test_bind_with_two_consecutive_codes_then_get_user_mfa_info(
    actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    device = create_device(actions, root)
    assert (
        actions.call(
            root,
            "BindMFADevice",
            SerialNumber=device["SerialNumber"],
            UserName="alice",
            **codes(device, clock),
        )
        == {}
    )
    assert actions.call(root, "GetUserMFAInfo", UserName="alice") == {
        "MFADevice": {"SerialNumber": device["SerialNumber"], "Type": "VMFA"}
    }


def test_list_shows_unbound_devices_with_an_empty_user_and_bound_ones_with_theirs(
    actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    bound = create_device(actions, root, "a-bound")
    unbound = create_device(actions, root, "b-unbound")
    bind(actions, root, bound, clock, "alice")
    assert actions.call(root, "ListVirtualMFADevices") == {
        "VirtualMFADevices": {
            "VirtualMFADevice": [
                {
                    "SerialNumber": bound["SerialNumber"],
                    "ActivateDate": "2025-03-01T12:00:00Z",
                    "User": {"UserId": alice.user_id, "UserName": "alice", "DisplayName": ""},
                },
                {"SerialNumber": unbound["SerialNumber"], "User": {}},
            ]
        }
    }


def test_list_is_empty_and_still_wrapped_without_devices(actions: Any, root: Caller) -> None:
    body = actions.call(root, "ListVirtualMFADevices")
    assert body == {"VirtualMFADevices": {"VirtualMFADevice": []}}


@pytest.mark.parametrize("bad", ["12345", "1234567", "12a456", "１２３４５６"])
def test_bind_refuses_codes_that_are_not_six_digits(
    actions: Any, root: Caller, alice: User, bad: str
) -> None:
    device = create_device(actions, root)
    for first, second in ((bad, "123456"), ("123456", bad)):
        assert (
            actions.error(
                root,
                "BindMFADevice",
                SerialNumber=device["SerialNumber"],
                UserName="alice",
                AuthenticationCode1=first,
                AuthenticationCode2=second,
            )
            == "InvalidParameter.AuthenticationCode.Format"
        )


def test_bind_refuses_wrong_or_stale_codes_with_403_and_binds_nothing(
    actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    device = create_device(actions, root)
    stale = codes(device, clock)
    clock.advance(120)
    attempts = (stale, {"AuthenticationCode1": "000000", "AuthenticationCode2": "000000"})
    for given in attempts:
        with pytest.raises(RamstsError) as excinfo:
            actions.call(
                root,
                "BindMFADevice",
                SerialNumber=device["SerialNumber"],
                UserName="alice",
                **given,
            )
        assert (excinfo.value.code, excinfo.value.http_status) == (
            "CheckAuthenticationCodeFail",
            403,
        )
    assert (
        actions.error(root, "GetUserMFAInfo", UserName="alice") == "EntityNotExist.User.MFADevice"
    )


def test_a_user_has_one_device_and_a_device_one_user(
    actions: Any, root: Caller, alice: User, make_user: Any, clock: Any
) -> None:
    make_user("bob")
    first = create_device(actions, root, "dev-1")
    second = create_device(actions, root, "dev-2")
    bind(actions, root, first, clock, "alice")
    with pytest.raises(RamstsError) as excinfo:
        bind(actions, root, second, clock, "alice")
    assert excinfo.value.code == "EntityAlreadyExists.User.MFADevice"
    with pytest.raises(RamstsError) as excinfo:
        bind(actions, root, first, clock, "bob")
    assert excinfo.value.code == "EntityAlreadyExists.VirtualMFADevice.User"


def test_bind_refuses_unknown_devices_users_and_other_accounts_devices(
    actions: Any, root: Caller, alice: User, other_account: Account, caller_for_root: Any
) -> None:
    foreign = create_device(actions, caller_for_root(other_account))
    valid = {"AuthenticationCode1": "123456", "AuthenticationCode2": "654321"}
    missing = f"acs:ram::{root.account_id}:mfa/nothing"
    for serial, user, code in (
        (missing, "alice", "EntityNotExist.VirtualMFADevice"),
        (foreign["SerialNumber"], "alice", "EntityNotExist.VirtualMFADevice"),
        (missing, "nobody", "EntityNotExist.User"),
    ):
        assert actions.error(root, "BindMFADevice", SerialNumber=serial, UserName=user,
                             **valid) == code  # fmt: skip


def test_unbind_answers_the_serial_and_leaves_the_user_without_a_device(
    actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    device = create_device(actions, root)
    bind(actions, root, device, clock, "alice")
    assert actions.call(root, "UnbindMFADevice", UserName="alice") == {
        "MFADevice": {"SerialNumber": device["SerialNumber"]}
    }
    for action in ("GetUserMFAInfo", "UnbindMFADevice"):
        assert actions.error(root, action, UserName="alice") == "EntityNotExist.User.MFADevice"


def test_a_bound_device_cannot_be_deleted_nor_its_user(
    actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    device = create_device(actions, root)
    bind(actions, root, device, clock, "alice")
    serial = device["SerialNumber"]
    assert actions.error(root, "DeleteVirtualMFADevice", SerialNumber=serial) == (
        "DeleteConflict.VirtualMFADevice.User"
    )
    assert actions.error(root, "DeleteUser", UserName="alice") == "DeleteConflict.User.MFADevice"
    actions.call(root, "UnbindMFADevice", UserName="alice")
    assert actions.call(root, "DeleteVirtualMFADevice", SerialNumber=serial) == {}
    assert actions.error(root, "DeleteVirtualMFADevice", SerialNumber=serial) == (
        "EntityNotExist.VirtualMFADevice"
    )


def test_mfa_actions_need_permission(
    actions: Any,
    ram: RamService,
    root: Caller,
    alice: User,
    alice_caller: Caller,
    grant: Any,
    clock: Any,
) -> None:
    # Without the security preference's grant of a user's own device (on by default).
    off = {"AllowUserToManageMFADevices": False}
    with ram.store.transaction() as tx:
        tx.account_settings.set_security_preference(alice.account_id, off)
    assert actions.error(alice_caller, "CreateVirtualMFADevice", VirtualMFADeviceName="d") == (
        "NoPermission"
    )
    assert actions.error(alice_caller, "ListVirtualMFADevices") == "NoPermission"
    device = create_device(actions, root)
    with pytest.raises(RamstsError) as excinfo:
        bind(actions, alice_caller, device, clock, "alice")
    assert excinfo.value.code == "NoPermission"
    grant(
        "User",
        alice.user_id,
        alice.account_id,
        {"Effect": "Allow", "Action": ["ram:BindMFADevice", "ram:GetUserMFAInfo"],
         "Resource": alice.arn},
    )  # fmt: skip
    bind(actions, alice_caller, device, clock, "alice")
    assert actions.call(alice_caller, "GetUserMFAInfo", UserName="alice")["MFADevice"]


def test_the_seed_is_never_shown_after_creation(
    actions: Any, root: Caller, alice: User, clock: Any
) -> None:
    device = create_device(actions, root)
    bind(actions, root, device, clock, "alice")
    seed = device["Base32StringSeed"]
    for action, params in (
        ("ListVirtualMFADevices", {}),
        ("GetUserMFAInfo", {"UserName": "alice"}),
    ):
        assert seed not in repr(actions.call(root, action, **params))
