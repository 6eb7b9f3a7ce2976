"""Ims (2019-08-15) virtual MFA devices through alibabacloud-ims20190815 against a live server,
on SQLite and PostgreSQL: a device created and bound through Ims is the one RAM lists and
reports for the user, named by UserPrincipalName, paged, and unbound again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alibabacloud_ims20190815 import models as ims
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from live_server import LiveServer

from ramsts.ram.totp import decode_base32_seed, totp

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("ims-mfa")]


def consecutive_codes(base32_seed: str) -> tuple[str, str]:
    """The previous and the current code, as a user reads them off an authenticator app."""
    seed = decode_base32_seed(base32_seed)
    now = datetime.now(UTC)
    return totp(seed, now - timedelta(seconds=30)), totp(seed, now)


def upn(server: LiveServer, name: str) -> str:
    return f"{name}@{server.account_id}.onaliyun.com"


def test_a_device_bound_through_ims_is_the_one_ram_reports_and_it_unbinds(
    module_live_server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="mfa-alice", display_name="Alice"))
    created = ims_root.create_virtual_mfadevice(
        ims.CreateVirtualMFADeviceRequest(virtual_mfadevice_name="alice-phone")
    ).body.virtual_mfadevice
    assert created.serial_number.endswith(":mfa/alice-phone")
    assert created.qrcode_png

    first, second = consecutive_codes(created.base_32string_seed)
    ims_root.bind_mfadevice(
        ims.BindMFADeviceRequest(
            serial_number=created.serial_number,
            user_principal_name=upn(module_live_server, "mfa-alice"),
            authentication_code_1=first,
            authentication_code_2=second,
        )
    )
    info = ims_root.get_user_mfainfo(
        ims.GetUserMFAInfoRequest(user_principal_name=upn(module_live_server, "mfa-alice"))
    ).body
    assert info.is_mfaenable is True
    assert info.mfadevice.serial_number == created.serial_number
    seen_by_ram = ram_root.get_user_mfainfo(ram.GetUserMFAInfoRequest(user_name="mfa-alice"))
    assert seen_by_ram.body.mfadevice.serial_number == created.serial_number

    listed = ims_root.list_virtual_mfadevices(ims.ListVirtualMFADevicesRequest()).body
    [device] = [
        d
        for d in listed.virtual_mfadevices.virtual_mfadevice
        if d.serial_number == created.serial_number
    ]
    assert device.user.user_principal_name == upn(module_live_server, "mfa-alice")
    assert device.user.display_name == "Alice"
    assert device.activate_date

    unbound = ims_root.unbind_mfadevice(
        ims.UnbindMFADeviceRequest(user_principal_name=upn(module_live_server, "mfa-alice"))
    ).body
    assert unbound.mfadevice.serial_number == created.serial_number
    with pytest.raises(ClientException) as refused:
        ims_root.get_user_mfainfo(
            ims.GetUserMFAInfoRequest(user_principal_name=upn(module_live_server, "mfa-alice"))
        )
    assert refused.value.code == "EntityNotExist.User.MFADevice"
    ims_root.delete_virtual_mfadevice(
        ims.DeleteVirtualMFADeviceRequest(serial_number=created.serial_number)
    )


def test_devices_are_listed_a_page_at_a_time(ims_root: ImsClient, ram_root: RamClient) -> None:
    made = [
        ims_root.create_virtual_mfadevice(
            ims.CreateVirtualMFADeviceRequest(virtual_mfadevice_name=f"paged-{n}")
        ).body.virtual_mfadevice.serial_number
        for n in range(3)
    ]
    seen: list[str] = []
    marker = None
    while True:
        page = ims_root.list_virtual_mfadevices(
            ims.ListVirtualMFADevicesRequest(max_items=2, marker=marker)
        ).body
        seen += [d.serial_number for d in page.virtual_mfadevices.virtual_mfadevice]
        if not page.is_truncated:
            break
        marker = page.marker
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    everything = ram_root.list_virtual_mfadevices().body.virtual_mfadevices.virtual_mfadevice
    assert sorted(seen) == sorted(d.serial_number for d in everything)


def test_a_code_that_is_not_six_digits_is_refused_before_the_user_is_looked_up(
    module_live_server: LiveServer, ims_root: ImsClient
) -> None:
    with pytest.raises(ClientException) as refused:
        ims_root.bind_mfadevice(
            ims.BindMFADeviceRequest(
                serial_number=f"acs:ram::{module_live_server.account_id}:mfa/none",
                user_principal_name=upn(module_live_server, "nobody"),
                authentication_code_1="12345",
                authentication_code_2="123456",
            )
        )
    assert (refused.value.code, refused.value.status_code) == (
        "InvalidParameter.AuthenticationCode.Format",
        400,
    )


def test_disabling_a_users_mfa_unbinds_and_deletes_the_device(
    module_live_server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="mfa-bob"))
    created = ims_root.create_virtual_mfadevice(
        ims.CreateVirtualMFADeviceRequest(virtual_mfadevice_name="bob-phone")
    ).body.virtual_mfadevice
    first, second = consecutive_codes(created.base_32string_seed)
    bob = upn(module_live_server, "mfa-bob")
    ims_root.bind_mfadevice(
        ims.BindMFADeviceRequest(
            serial_number=created.serial_number,
            user_principal_name=bob,
            authentication_code_1=first,
            authentication_code_2=second,
        )
    )

    ims_root.disable_virtual_mfa(ims.DisableVirtualMFARequest(user_principal_name=bob))

    with pytest.raises(ClientException) as refused:
        ims_root.get_user_mfainfo(ims.GetUserMFAInfoRequest(user_principal_name=bob))
    assert refused.value.code == "EntityNotExist.User.MFADevice"
    everything = ram_root.list_virtual_mfadevices().body.virtual_mfadevices.virtual_mfadevice
    assert created.serial_number not in [d.serial_number for d in everything]
