"""CreateVirtualMFADevice, DeleteVirtualMFADevice, ListVirtualMFADevices, BindMFADevice,
UnbindMFADevice, GetUserMFAInfo on the wire (spec api.md §9.2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.entities import SERIAL_NUMBER, USER_NAME
from ramsts.ram.mfa import (
    DEVICE_NAME,
    DEVICE_TYPE,
    CreatedMfaDevice,
    ListedMfaDevice,
    MfaBinding,
    UserMfaDevice,
    bind_mfa_device,
    check_authentication_code,
    create_virtual_mfa_device,
    delete_virtual_mfa_device,
    get_user_mfa_info,
    list_virtual_mfa_devices,
    qr_code_png,
    unbind_mfa_device,
)
from ramsts.ram.rendering import Body, iso8601, wrapped
from ramsts.ram.service import without_input
from ramsts.ram.wire.declaration import RpcAction, no_body, no_input, register_actions
from ramsts.ram.wire.users import user_name
from ramsts.store import User

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def render_created(created: CreatedMfaDevice) -> Body:
    """The seed, shown this once."""
    return {
        "VirtualMFADevice": {
            "SerialNumber": created.serial_number,
            "Base32StringSeed": created.base32_seed.reveal(),
            "QRCodePNG": qr_code_png(created.otpauth_uri.reveal()),
        }
    }


def serial_number(read: Parameters) -> str:
    return read.required("SerialNumber", SERIAL_NUMBER)


def device_name(read: Parameters) -> str:
    return read.required("VirtualMFADeviceName", DEVICE_NAME)


def authentication_codes(read: Parameters) -> tuple[str, str]:
    """Each read and checked in turn, as the real service reports them."""
    first = check_authentication_code("AuthenticationCode1", read.required("AuthenticationCode1"))
    second = check_authentication_code("AuthenticationCode2", read.required("AuthenticationCode2"))
    return first, second


def _binding(read: Parameters) -> MfaBinding:
    serial = serial_number(read)
    name = read.required("UserName", USER_NAME)
    return MfaBinding(serial, name, *authentication_codes(read))


def render_listed_device(listed: ListedMfaDevice, named: Callable[[User], Body]) -> Body:
    """A device of a listing, its user's name given by ``named`` (RAM's ``UserName``, Ims's
    ``UserPrincipalName``). An unbound device has an empty ``User`` and no ``ActivateDate``, as
    the real service answers."""
    device, user = listed.device, listed.user
    body: Body = {"SerialNumber": device.serial_number, "User": {}}
    if user is not None and device.enabled_at is not None:
        body["ActivateDate"] = iso8601(device.enabled_at)
        body["User"] = {"UserId": user.user_id, **named(user), "DisplayName": user.display_name}
    return body


def _listed(devices: list[ListedMfaDevice]) -> Body:
    def render(listed: ListedMfaDevice) -> Body:
        return render_listed_device(listed, lambda user: {"UserName": user.user_name})

    return wrapped("VirtualMFADevices", "VirtualMFADevice", map(render, devices))


def _unbound(found: UserMfaDevice) -> Body:
    return {"MFADevice": {"SerialNumber": found.device.serial_number}}


def _mfa_info(found: UserMfaDevice) -> Body:
    return {"MFADevice": {"SerialNumber": found.device.serial_number, "Type": DEVICE_TYPE}}


ACTIONS = (
    RpcAction("CreateVirtualMFADevice", device_name, create_virtual_mfa_device, render_created),
    RpcAction("DeleteVirtualMFADevice", serial_number, delete_virtual_mfa_device, no_body),
    RpcAction("ListVirtualMFADevices", no_input, without_input(list_virtual_mfa_devices), _listed),
    RpcAction("BindMFADevice", _binding, bind_mfa_device, no_body),
    RpcAction("UnbindMFADevice", user_name, unbind_mfa_device, _unbound),
    RpcAction("GetUserMFAInfo", user_name, get_user_mfa_info, _mfa_info),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
