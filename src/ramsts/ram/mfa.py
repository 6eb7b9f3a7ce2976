"""Virtual MFA devices: CreateVirtualMFADevice, DeleteVirtualMFADevice, ListVirtualMFADevices,
BindMFADevice, UnbindMFADevice, GetUserMFAInfo (spec api.md §9.2).

A device is created unbound, with a random TOTP seed (:mod:`ramsts.ram.totp`) that is shown once
(as base32 and as a QR code of its ``otpauth://`` URI) and stored sealed under the master key,
bound to the device's serial number so a sealed seed copied to another device does not open.
Binding it to a user asks for two consecutive codes, proving the user's app holds the seed and
keeps time. A user has at most one device; a device serves at most one user.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import segno

from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    EntityNotExist,
    InvalidParameter,
    LimitExceeded,
    ServiceError,
)
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.entities import MFA_DEVICE, SERIAL_NUMBER, USER, USER_NAME
from ramsts.ram.rendering import Body, iso8601, wrapped
from ramsts.ram.security_preference import require_self_service
from ramsts.ram.totp import (
    encode_base32_seed,
    is_code_format,
    new_seed,
    otpauth_uri,
    verify_consecutive_codes,
)
from ramsts.store import Transaction, User, VirtualMfaDevice

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

DEVICE_NAME = TextRule(64, pattern=re.compile(r"[A-Za-z0-9._-]+"))
MAX_VIRTUAL_MFA_DEVICES = 1000
"""Per account (spec api.md §9.8)."""
DEVICE_TYPE = "VMFA"
"""GetUserMFAInfo's ``Type`` of a virtual MFA device."""
ISSUER = "ramsts"
"""The issuer authenticator apps show next to the code."""


def mfa_arn(account_id: str, device_name: str) -> str:
    """A device's ARN, which is also its ``SerialNumber``."""
    return f"acs:ram::{account_id}:mfa/{device_name}"


def seed_context(serial_number: str) -> str:
    return f"mfa-seed:{serial_number}"


def seal_seed(master_key: MasterKey, serial_number: str, seed: bytes) -> str:
    return master_key.seal(seed, seed_context(serial_number))


def unseal_seed(master_key: MasterKey, device: VirtualMfaDevice) -> bytes:
    return master_key.unseal(device.sealed_seed, seed_context(device.serial_number))


def qr_code_png(uri: str) -> str:
    """The base64 of a PNG image of a QR code holding ``uri`` (``QRCodePNG``)."""
    image = io.BytesIO()
    segno.make(uri, error="m").save(image, kind="png", scale=5)
    return base64.b64encode(image.getvalue()).decode("ascii")


def bound_device(tx: Transaction, user: User) -> VirtualMfaDevice:
    device = tx.mfa_devices.get_for_user(user.user_id)
    if device is None:
        raise EntityNotExist(
            "User.MFADevice", f"The user {user.user_name} has no MFA device bound."
        )
    return device


def _authentication_code(read: Parameters, name: str) -> str:
    code = read.required(name)
    if not is_code_format(code):
        raise InvalidParameter(
            "AuthenticationCode.Format", f"The parameter {name} must be six digits."
        )
    return code


def _render_listed(tx: Transaction, device: VirtualMfaDevice) -> Body:
    """A ListVirtualMFADevices item; an unbound device has an empty ``User`` and no
    ``ActivateDate``, as the real service answers."""
    user = tx.users.get_by_id(device.user_id) if device.user_id is not None else None
    body: Body = {"SerialNumber": device.serial_number, "User": {}}
    if user is not None and device.enabled_at is not None:
        body["ActivateDate"] = iso8601(device.enabled_at)
        body["User"] = {
            "UserId": user.user_id,
            "UserName": user.user_name,
            "DisplayName": user.display_name,
        }
    return body


def register(table: ActionTable, ram: RamService) -> None:
    self_service = partial(require_self_service, ram)

    def create_device(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("VirtualMFADeviceName", DEVICE_NAME)
        account_id = principal.account_id
        serial_number = mfa_arn(account_id, name)
        self_service(principal, "ram:CreateVirtualMFADevice", serial_number)
        seed = new_seed()
        with ram.transaction(account_id) as tx:
            if tx.mfa_devices.count(account_id) >= MAX_VIRTUAL_MFA_DEVICES:
                raise LimitExceeded(
                    "VirtualMFADevice",
                    f"The account already has {MAX_VIRTUAL_MFA_DEVICES} virtual MFA devices.",
                )
            sealed = seal_seed(ram.master_key, serial_number, seed)
            tx.mfa_devices.create(account_id, device_name=name, sealed_seed=sealed, now=ram.now())
        uri = otpauth_uri(seed, issuer=ISSUER, account=f"{name}@{account_id}")
        return {
            "VirtualMFADevice": {
                "SerialNumber": serial_number,
                "Base32StringSeed": encode_base32_seed(seed),
                "QRCodePNG": qr_code_png(uri),
            }
        }

    def delete_device(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        serial_number = Parameters(params).required("SerialNumber", SERIAL_NUMBER)
        with ram.transaction(principal.account_id) as tx:
            device = ram.authorized(
                tx,
                principal,
                "ram:DeleteVirtualMFADevice",
                MFA_DEVICE,
                serial_number,
                require=self_service,
            )
            if device.user_id is not None:
                raise DeleteConflict(
                    "VirtualMFADevice.User",
                    f"The virtual MFA device {device.serial_number} is bound to a user; unbind it"
                    " first.",
                )
            tx.mfa_devices.delete(device.serial_number)
        return {}

    def list_devices(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        account_id = principal.account_id
        ram.authorizer.require(principal, "ram:ListVirtualMFADevices", mfa_arn(account_id, "*"))
        with ram.read() as tx:
            listed = [_render_listed(tx, device) for device in tx.mfa_devices.list(account_id)]
        return wrapped("VirtualMFADevices", "VirtualMFADevice", listed)

    def bind_device(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        serial_number = read.required("SerialNumber", SERIAL_NUMBER)
        name = read.required("UserName", USER_NAME)
        first = _authentication_code(read, "AuthenticationCode1")
        second = _authentication_code(read, "AuthenticationCode2")
        with ram.transaction(principal.account_id) as tx:
            user = ram.authorized(
                tx, principal, "ram:BindMFADevice", USER, name, require=self_service
            )
            # Authorized on the user only, as the real service's BindMFADevice is.
            device = MFA_DEVICE.existing(tx, principal.account_id, serial_number)
            if tx.mfa_devices.get_for_user(user.user_id) is not None:
                raise EntityAlreadyExists(
                    "User.MFADevice", f"The user {user.user_name} has an MFA device bound already."
                )
            if device.user_id is not None:
                raise EntityAlreadyExists(
                    "VirtualMFADevice.User",
                    f"The virtual MFA device {device.serial_number} is bound to another user.",
                )
            seed = unseal_seed(ram.master_key, device)
            if verify_consecutive_codes(seed, first, second, ram.now()) is None:
                raise ServiceError(
                    "CheckAuthenticationCodeFail",
                    "The authentication codes are not two consecutive codes of the device.",
                    http_status=403,
                )
            tx.mfa_devices.bind(device.serial_number, user.user_id, now=ram.now())
        return {}

    def unbind_device(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        with ram.transaction(principal.account_id) as tx:
            user = ram.authorized(
                tx, principal, "ram:UnbindMFADevice", USER, name, require=self_service
            )
            device = bound_device(tx, user)
            tx.mfa_devices.unbind(user.user_id)
        return {"MFADevice": {"SerialNumber": device.serial_number}}

    def get_user_mfa_info(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        name = Parameters(params).required("UserName", USER_NAME)
        with ram.read() as tx:
            user = ram.authorized(
                tx, principal, "ram:GetUserMFAInfo", USER, name, require=self_service
            )
            device = bound_device(tx, user)
        return {"MFADevice": {"SerialNumber": device.serial_number, "Type": DEVICE_TYPE}}

    table.add(ram.version, "CreateVirtualMFADevice", create_device)
    table.add(ram.version, "DeleteVirtualMFADevice", delete_device)
    table.add(ram.version, "ListVirtualMFADevices", list_devices)
    table.add(ram.version, "BindMFADevice", bind_device)
    table.add(ram.version, "UnbindMFADevice", unbind_device)
    table.add(ram.version, "GetUserMFAInfo", get_user_mfa_info)
