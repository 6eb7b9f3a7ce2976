"""CreateVirtualMFADevice, DeleteVirtualMFADevice, ListVirtualMFADevices, BindMFADevice,
UnbindMFADevice, GetUserMFAInfo, DisableVirtualMFA (Ims): RAM's virtual MFA devices
(:mod:`ramsts.ram.mfa`), a user named by its UserPrincipalName.

Authorized and refused as RAM's are. Ims pages ``ListVirtualMFADevices`` (``Marker``,
``MaxItems``), names each device's user by UserPrincipalName, and says in ``GetUserMFAInfo``
whether the user's MFA is on (``IsMFAEnable``: a device is bound, or RAM answers
``EntityNotExist.User.MFADevice`` as it does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.ims.principal_names import (
    PrincipalName,
    default_domain,
    principal_name,
    render_principal_name,
    user_name_in,
)
from ramsts.parameters import Parameters
from ramsts.products import IMS
from ramsts.ram.listing import Listing
from ramsts.ram.mfa import (
    DEVICE_TYPE,
    ListedMfaDevice,
    MfaBinding,
    UserMfaDevice,
    bind_mfa_device,
    create_virtual_mfa_device,
    delete_virtual_mfa_device,
    get_user_mfa_info,
    list_virtual_mfa_devices,
    unbind_mfa_device,
)
from ramsts.ram.rendering import Body, paged
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.ram.wire.mfa import (
    authentication_codes,
    device_name,
    render_created,
    render_listed_device,
    serial_number,
)
from ramsts.ram.wire.users import listing
from ramsts.store import Page

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


@dataclass(frozen=True, slots=True)
class ImsBinding:
    serial_number: str
    principal_name: PrincipalName
    codes: tuple[str, str]


@dataclass(frozen=True, slots=True)
class ImsDevices:
    page: Page[ListedMfaDevice]
    domain: str


def _principal_name(read: Parameters) -> PrincipalName:
    return principal_name("UserPrincipalName", read.required("UserPrincipalName"))


def _binding(read: Parameters) -> ImsBinding:
    serial = serial_number(read)
    name = _principal_name(read)
    return ImsBinding(serial, name, authentication_codes(read))


def _bind(ram: RamService, caller: Caller, asked: ImsBinding) -> None:
    account_id = caller.account_id
    with ram.transaction(account_id) as tx:
        user_name = user_name_in(tx, account_id, asked.principal_name)
        binding = MfaBinding(asked.serial_number, user_name, *asked.codes)
        bind_mfa_device(ram, caller, binding, within=tx)


def _unbind(ram: RamService, caller: Caller, name: PrincipalName) -> UserMfaDevice:
    account_id = caller.account_id
    with ram.transaction(account_id) as tx:
        return unbind_mfa_device(ram, caller, user_name_in(tx, account_id, name), within=tx)


def _disable(ram: RamService, caller: Caller, name: PrincipalName) -> None:
    """DisableVirtualMFA: the user's device unbound and deleted in one transaction, as
    UnbindMFADevice then DeleteVirtualMFADevice, each authorized as itself."""
    account_id = caller.account_id
    with ram.transaction(account_id) as tx:
        unbound = unbind_mfa_device(ram, caller, user_name_in(tx, account_id, name), within=tx)
        delete_virtual_mfa_device(ram, caller, unbound.device.serial_number, within=tx)


def _mfa_info(ram: RamService, caller: Caller, name: PrincipalName) -> UserMfaDevice:
    account_id = caller.account_id
    with ram.read() as tx:
        return get_user_mfa_info(ram, caller, user_name_in(tx, account_id, name), within=tx)


def _list(ram: RamService, caller: Caller, asked: Listing) -> ImsDevices:
    """RAM lists every device at once; Ims pages them in the same order, the ``Marker`` being
    the serial number the next page starts at."""
    account_id = caller.account_id
    with ram.read() as tx:
        devices = list_virtual_mfa_devices(ram, caller, within=tx)
        domain = default_domain(tx, account_id)
    start = 0
    if asked.marker:
        serials = [listed.device.serial_number for listed in devices]
        start = serials.index(asked.marker) if asked.marker in serials else len(devices)
    shown = devices[start : start + asked.max_items]
    rest = devices[start + asked.max_items :]
    marker = rest[0].device.serial_number if rest else None
    return ImsDevices(Page(tuple(shown), bool(rest), marker), domain)


def _listed(found: ImsDevices) -> Body:
    def render(listed: ListedMfaDevice) -> Body:
        return render_listed_device(
            listed,
            lambda user: {"UserPrincipalName": render_principal_name(user.user_name, found.domain)},
        )

    return paged("VirtualMFADevices", "VirtualMFADevice", found.page, render)


def _unbound(found: UserMfaDevice) -> Body:
    return {"MFADevice": {"SerialNumber": found.device.serial_number}}


def _rendered_info(found: UserMfaDevice) -> Body:
    return {
        "IsMFAEnable": True,
        "MFADevice": {"SerialNumber": found.device.serial_number, "Type": DEVICE_TYPE},
    }


ACTIONS = (
    RpcAction("CreateVirtualMFADevice", device_name, create_virtual_mfa_device, render_created),
    RpcAction("DeleteVirtualMFADevice", serial_number, delete_virtual_mfa_device, no_body),
    RpcAction("ListVirtualMFADevices", listing, _list, _listed),
    RpcAction("BindMFADevice", _binding, _bind, no_body),
    RpcAction("UnbindMFADevice", _principal_name, _unbind, _unbound),
    RpcAction("GetUserMFAInfo", _principal_name, _mfa_info, _rendered_info),
    RpcAction("DisableVirtualMFA", _principal_name, _disable, no_body),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
