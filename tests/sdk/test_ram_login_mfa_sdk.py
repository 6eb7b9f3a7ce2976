"""Console sign-in's RAM actions through Alibaba's own SDKs against a live server: login profiles,
the password policy, the security preference and virtual MFA devices, with the Tea client (V3
signatures) and the classic aliyun-python-sdk-ram requests (RPC v1). MFA codes are computed
from the seed the server returns, as an authenticator app would."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.BindMFADeviceRequest import BindMFADeviceRequest
from aliyunsdkram.request.v20150501.CreateLoginProfileRequest import CreateLoginProfileRequest
from aliyunsdkram.request.v20150501.CreateUserRequest import CreateUserRequest
from aliyunsdkram.request.v20150501.CreateVirtualMFADeviceRequest import (
    CreateVirtualMFADeviceRequest,
)
from aliyunsdkram.request.v20150501.DeleteVirtualMFADeviceRequest import (
    DeleteVirtualMFADeviceRequest,
)
from aliyunsdkram.request.v20150501.GetLoginProfileRequest import GetLoginProfileRequest
from aliyunsdkram.request.v20150501.GetPasswordPolicyRequest import GetPasswordPolicyRequest
from aliyunsdkram.request.v20150501.GetUserMFAInfoRequest import GetUserMFAInfoRequest
from aliyunsdkram.request.v20150501.SetPasswordPolicyRequest import SetPasswordPolicyRequest
from aliyunsdkram.request.v20150501.UnbindMFADeviceRequest import UnbindMFADeviceRequest
from live_server import LiveServer

from ramsts.ram.totp import decode_base32_seed, totp
from ramsts.ram.wire import login_profiles, mfa, passwords, security_preference

pytestmark = pytest.mark.sdk

MODULES = {
    "CreateLoginProfile": login_profiles,
    "SetPasswordPolicy": passwords,
    "SetSecurityPreference": security_preference,
    "CreateVirtualMFADevice": mfa,
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    """The live server with these actions on the wire, registered here until
    ``ramsts.ram.product`` lists their modules (then this adds nothing)."""
    table = live_server.services.actions
    served = {action.name for action in table}
    for first_action, module in MODULES.items():
        if first_action not in served:
            module.register(table, live_server.services.ram)
    return live_server


def tea(server: LiveServer) -> RamClient:
    return RamClient(
        Config(
            access_key_id=server.access_key_id,
            access_key_secret=server.access_key_secret,
            endpoint=server.endpoint,
            protocol="http",
        )
    )


def classic(server: LiveServer, request: Any) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    request.set_protocol_type("http")
    client = AcsClient(server.access_key_id, server.access_key_secret, "cn-hangzhou")
    return dict(json.loads(client.do_action_with_exception(request)))


def consecutive_codes(base32_seed: str) -> tuple[str, str]:
    """The previous and the current code, as a user reads them off an authenticator app."""
    seed = decode_base32_seed(base32_seed)
    now = datetime.now(UTC)
    return totp(seed, now - timedelta(seconds=30)), totp(seed, now)


def test_tea_client_creates_and_reads_a_login_profile_and_a_weak_password_is_refused(
    server: LiveServer,
) -> None:
    client = tea(server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    client.create_user(ram.CreateUserRequest(user_name="bob"))
    client.set_password_policy(
        ram.SetPasswordPolicyRequest(minimum_password_length=12, require_numbers=True)
    )
    created = client.create_login_profile(
        ram.CreateLoginProfileRequest(
            user_name="alice", password="Long-Password-1", password_reset_required=True
        )
    ).body.login_profile
    assert (created.user_name, created.password_reset_required, created.mfabind_required) == (
        "alice",
        True,
        False,
    )
    got = client.get_login_profile(ram.GetLoginProfileRequest(user_name="alice")).body
    assert got.login_profile.create_date == created.create_date

    with pytest.raises(ClientException) as excinfo:
        client.create_login_profile(
            ram.CreateLoginProfileRequest(user_name="bob", password="No-Digits-Here")
        )
    assert (excinfo.value.code, excinfo.value.status_code) == (
        "InvalidParameter.Password.TooWeak",
        400,
    )
    assert "No-Digits-Here" not in str(excinfo.value)


def test_tea_client_sets_and_gets_the_password_policy_and_the_security_preference(
    server: LiveServer,
) -> None:
    client = tea(server)
    set_policy = client.set_password_policy(
        ram.SetPasswordPolicyRequest(
            minimum_password_length=14, require_symbols=True, max_login_attemps=3, hard_expiry=True
        )
    ).body.password_policy
    got_policy = client.get_password_policy().body.password_policy
    for policy in (set_policy, got_policy):
        assert (
            policy.minimum_password_length,
            policy.require_symbols,
            policy.max_login_attemps,
            policy.hard_expiry,
            policy.require_numbers,
        ) == (14, True, 3, True, False)
    with pytest.raises(ClientException) as excinfo:
        client.set_password_policy(ram.SetPasswordPolicyRequest(minimum_password_length=40))
    assert excinfo.value.code == "InvalidParameter.MinimumPasswordLength.Range"

    client.set_security_preference(
        ram.SetSecurityPreferenceRequest(
            login_session_duration=12,
            login_network_masks="10.0.0.0/8;192.168.0.0/16",
            allow_user_to_change_password=False,
        )
    )
    preference = client.get_security_preference().body.security_preference
    login = preference.login_profile_preference
    assert (login.login_session_duration, login.login_network_masks) == (
        12,
        "10.0.0.0/8;192.168.0.0/16",
    )
    assert login.allow_user_to_change_password is False
    assert preference.mfapreference.allow_user_to_manage_mfadevices is True


def test_tea_client_creates_binds_inspects_unbinds_and_deletes_a_virtual_mfa_device(
    server: LiveServer,
) -> None:
    client = tea(server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    device = client.create_virtual_mfadevice(
        ram.CreateVirtualMFADeviceRequest(virtual_mfadevice_name="alice-phone")
    ).body.virtual_mfadevice
    assert device.serial_number == f"acs:ram::{server.account_id}:mfa/alice-phone"
    assert base64.b64decode(device.qrcode_png).startswith(PNG_SIGNATURE)

    first, second = consecutive_codes(device.base_32string_seed)
    client.bind_mfadevice(
        ram.BindMFADeviceRequest(
            serial_number=device.serial_number,
            user_name="alice",
            authentication_code_1=first,
            authentication_code_2=second,
        )
    )
    info = client.get_user_mfainfo(ram.GetUserMFAInfoRequest(user_name="alice")).body.mfadevice
    assert (info.serial_number, info.type) == (device.serial_number, "VMFA")
    listed = client.list_virtual_mfadevices().body.virtual_mfadevices.virtual_mfadevice
    assert [(d.serial_number, d.user.user_name) for d in listed] == [
        (device.serial_number, "alice")
    ]

    with pytest.raises(ClientException) as excinfo:
        client.delete_virtual_mfadevice(
            ram.DeleteVirtualMFADeviceRequest(serial_number=device.serial_number)
        )
    assert (excinfo.value.code, excinfo.value.status_code) == (
        "DeleteConflict.VirtualMFADevice.User",
        409,
    )
    unbound = client.unbind_mfadevice(ram.UnbindMFADeviceRequest(user_name="alice")).body
    assert unbound.mfadevice.serial_number == device.serial_number
    client.delete_virtual_mfadevice(
        ram.DeleteVirtualMFADeviceRequest(serial_number=device.serial_number)
    )
    assert client.list_virtual_mfadevices().body.virtual_mfadevices.virtual_mfadevice == []


def test_tea_client_gets_check_authentication_code_fail_for_wrong_codes(
    server: LiveServer,
) -> None:
    client = tea(server)
    client.create_user(ram.CreateUserRequest(user_name="alice"))
    device = client.create_virtual_mfadevice(
        ram.CreateVirtualMFADeviceRequest(virtual_mfadevice_name="d1")
    ).body.virtual_mfadevice
    first, second = consecutive_codes(device.base_32string_seed)
    with pytest.raises(ClientException) as excinfo:
        client.bind_mfadevice(
            ram.BindMFADeviceRequest(
                serial_number=device.serial_number,
                user_name="alice",
                authentication_code_1=second,
                authentication_code_2=first,
            )
        )
    assert (excinfo.value.code, excinfo.value.status_code) == ("CheckAuthenticationCodeFail", 403)


def test_classic_sdk_manages_login_profiles_the_password_policy_and_mfa(
    server: LiveServer,
) -> None:
    create_user = CreateUserRequest()
    create_user.set_UserName("carol")
    classic(server, create_user)

    set_policy = SetPasswordPolicyRequest()
    set_policy.set_MinimumPasswordLength(10)
    set_policy.set_MaxLoginAttemps(7)
    classic(server, set_policy)
    policy = classic(server, GetPasswordPolicyRequest())["PasswordPolicy"]
    assert (policy["MinimumPasswordLength"], policy["MaxLoginAttemps"]) == (10, 7)

    weak = CreateLoginProfileRequest()
    weak.set_UserName("carol")
    weak.set_Password("short-1")
    with pytest.raises(ServerException) as excinfo:
        classic(server, weak)
    assert excinfo.value.get_error_code() == "InvalidParameter.Password.TooWeak"

    create_profile = CreateLoginProfileRequest()
    create_profile.set_UserName("carol")
    create_profile.set_Password("Carol-Password-1")
    create_profile.set_MFABindRequired(True)
    classic(server, create_profile)
    get_profile = GetLoginProfileRequest()
    get_profile.set_UserName("carol")
    assert classic(server, get_profile)["LoginProfile"]["MFABindRequired"] is True

    create_device = CreateVirtualMFADeviceRequest()
    create_device.set_VirtualMFADeviceName("carol-phone")
    device = classic(server, create_device)["VirtualMFADevice"]
    first, second = consecutive_codes(device["Base32StringSeed"])
    bind = BindMFADeviceRequest()
    bind.set_SerialNumber(device["SerialNumber"])
    bind.set_UserName("carol")
    bind.set_AuthenticationCode1(first)
    bind.set_AuthenticationCode2(second)
    classic(server, bind)

    info = GetUserMFAInfoRequest()
    info.set_UserName("carol")
    assert classic(server, info)["MFADevice"]["SerialNumber"] == device["SerialNumber"]
    unbind = UnbindMFADeviceRequest()
    unbind.set_UserName("carol")
    classic(server, unbind)
    delete = DeleteVirtualMFADeviceRequest()
    delete.set_SerialNumber(device["SerialNumber"])
    classic(server, delete)
    with pytest.raises(ServerException) as excinfo:
        classic(server, info)
    assert excinfo.value.get_error_code() == "EntityNotExist.User.MFADevice"
