"""What the security preference lets RAM users do on their own credentials, through Alibaba's
own SDKs (the Tea client, V3 signatures) against a live server on both stores.

``AllowUserToManageAccessKeys`` and ``AllowUserToManageMFADevices`` grant every RAM user the
management of its *own* AccessKeys and MFA device without a policy, as on the real service; with
the setting off the user needs a policy like any other action, an explicit Deny refuses either
way, and nobody gains anything on another user's credentials. The root is held to none of it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from live_server import LiveServer

from ramsts.ram.totp import decode_base32_seed, totp

pytestmark = pytest.mark.sdk


def client_for(server: LiveServer, access_key_id: str, secret: str) -> RamClient:
    config = Config(
        access_key_id=access_key_id,
        access_key_secret=secret,
        endpoint=server.endpoint,
        protocol="http",
    )
    return RamClient(config)


def root_of(server: LiveServer) -> RamClient:
    return client_for(server, server.access_key_id, server.access_key_secret)


def user_client(server: LiveServer, root: RamClient, name: str) -> RamClient:
    """A RAM user with no policy at all, and a client signing with its first AccessKey."""
    root.create_user(ram.CreateUserRequest(user_name=name))
    key = root.create_access_key(ram.CreateAccessKeyRequest(user_name=name)).body.access_key
    return client_for(server, key.access_key_id, key.access_key_secret)


def refused(call: object) -> ClientException:
    with pytest.raises(ClientException) as raised:
        call()  # type: ignore[operator]
    assert (raised.value.code, raised.value.status_code) == ("NoPermission", 403)
    return raised.value


def allow_self_access_keys(root: RamClient, allowed: bool) -> None:
    root.set_security_preference(
        ram.SetSecurityPreferenceRequest(allow_user_to_manage_access_keys=allowed)
    )


def test_allow_user_to_manage_access_keys_lets_a_user_manage_its_own_keys_only(
    live_server: LiveServer,
) -> None:
    root = root_of(live_server)
    kim = user_client(live_server, root, "kim")
    user_client(live_server, root, "lee")
    refused(lambda: kim.create_access_key(ram.CreateAccessKeyRequest()))  # the default: off

    allow_self_access_keys(root, True)
    made = kim.create_access_key(ram.CreateAccessKeyRequest()).body.access_key
    listed = kim.list_access_keys(ram.ListAccessKeysRequest()).body.access_keys.access_key
    assert made.access_key_id in [key.access_key_id for key in listed]
    assert made.access_key_secret not in json.dumps([key.to_map() for key in listed])
    kim.update_access_key(
        ram.UpdateAccessKeyRequest(user_access_key_id=made.access_key_id, status="Inactive")
    )
    kim.get_access_key_last_used(
        ram.GetAccessKeyLastUsedRequest(user_name="KIM", user_access_key_id=made.access_key_id)
    )
    kim.delete_access_key(ram.DeleteAccessKeyRequest(user_access_key_id=made.access_key_id))
    # Another user's keys are not its own: the preference grants nothing there.
    refused(lambda: kim.create_access_key(ram.CreateAccessKeyRequest(user_name="lee")))
    refused(lambda: kim.list_access_keys(ram.ListAccessKeysRequest(user_name="lee")))

    allow_self_access_keys(root, False)
    denied = refused(lambda: kim.list_access_keys(ram.ListAccessKeysRequest()))
    assert denied.access_denied_detail["NoPermissionType"] == "ImplicitDeny"


def test_the_preference_grants_and_never_takes_away_and_an_explicit_deny_still_refuses(
    live_server: LiveServer,
) -> None:
    root = root_of(live_server)
    kim = user_client(live_server, root, "kim")
    document = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "ram:ListAccessKeys", "Resource": "acs:ram:*:*:user/kim"},
            {"Effect": "Deny", "Action": "ram:CreateAccessKey", "Resource": "*"},
        ],
    }
    root.create_policy(
        ram.CreatePolicyRequest(policy_name="kim-keys", policy_document=json.dumps(document))
    )
    root.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(policy_type="Custom", policy_name="kim-keys", user_name="kim")
    )
    assert kim.list_access_keys(ram.ListAccessKeysRequest()).body.access_keys.access_key

    allow_self_access_keys(root, True)
    denied = refused(lambda: kim.create_access_key(ram.CreateAccessKeyRequest()))
    assert denied.access_denied_detail["NoPermissionType"] == "ExplicitDeny"


def test_allow_user_to_manage_mfa_devices_lets_a_user_bind_and_unbind_its_own_device(
    live_server: LiveServer,
) -> None:
    root = root_of(live_server)
    kim = user_client(live_server, root, "kim")
    user_client(live_server, root, "lee")
    # The default is on: kim creates the device named after it, binds, reads and unbinds it.
    device = kim.create_virtual_mfadevice(
        ram.CreateVirtualMFADeviceRequest(virtual_mfadevice_name="kim")
    ).body.virtual_mfadevice
    seed = decode_base32_seed(device.base_32string_seed)
    now = datetime.now(UTC)
    codes = totp(seed, now - timedelta(seconds=30)), totp(seed, now)
    kim.bind_mfadevice(
        ram.BindMFADeviceRequest(
            serial_number=device.serial_number,
            user_name="kim",
            authentication_code_1=codes[0],
            authentication_code_2=codes[1],
        )
    )
    info = kim.get_user_mfainfo(ram.GetUserMFAInfoRequest(user_name="kim")).body.mfadevice
    assert info.serial_number == device.serial_number
    refused(lambda: kim.get_user_mfainfo(ram.GetUserMFAInfoRequest(user_name="lee")))
    refused(
        lambda: kim.create_virtual_mfadevice(
            ram.CreateVirtualMFADeviceRequest(virtual_mfadevice_name="lee")
        )
    )

    # Unbinding is granted only after an MFA check: an AccessKey alone (stolen, say) cannot
    # remove the device that guards the password.
    refused(lambda: kim.unbind_mfadevice(ram.UnbindMFADeviceRequest(user_name="kim")))

    root.set_security_preference(
        ram.SetSecurityPreferenceRequest(allow_user_to_manage_mfadevices=False)
    )
    refused(lambda: kim.get_user_mfainfo(ram.GetUserMFAInfoRequest(user_name="kim")))
    # The root is not held to the preference.
    root.unbind_mfadevice(ram.UnbindMFADeviceRequest(user_name="kim"))
    refused(
        lambda: kim.delete_virtual_mfadevice(
            ram.DeleteVirtualMFADeviceRequest(serial_number=device.serial_number)
        )
    )
    root.delete_virtual_mfadevice(
        ram.DeleteVirtualMFADeviceRequest(serial_number=device.serial_number)
    )
