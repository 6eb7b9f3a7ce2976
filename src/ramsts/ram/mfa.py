"""Virtual MFA devices: CreateVirtualMFADevice, DeleteVirtualMFADevice, ListVirtualMFADevices,
BindMFADevice, UnbindMFADevice, GetUserMFAInfo (spec api.md §9.2).

A device is created unbound, with a random TOTP seed (:mod:`ramsts.ram.totp`) that is shown once
(as base32 and as a QR code of its ``otpauth://`` URI) and stored sealed under the master key,
bound to the device's serial number so a sealed seed copied to another device does not open.
Binding it to a user asks for two consecutive codes, proving the user's app holds the seed and
keeps time. A user has at most one device; a device serves at most one user.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action (with the security preference's self-service grants), in the transaction given or
their own; :mod:`ramsts.ram.wire.mfa` serves them as RAM's actions.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

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
from ramsts.parameters import TextRule, required_text
from ramsts.ram.entities import MFA_DEVICE, SERIAL_NUMBER, USER, USER_NAME
from ramsts.ram.security_preference import require_self_service
from ramsts.ram.totp import (
    encode_base32_seed,
    is_code_format,
    new_seed,
    otpauth_uri,
    verify_consecutive_codes,
)
from ramsts.store import Transaction, User, VirtualMfaDevice
from ramsts.types import Secret

if TYPE_CHECKING:
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


@dataclass(frozen=True, slots=True)
class CreatedMfaDevice:
    """A new device and its seed, shown this once: as base32, and as the ``otpauth://`` URI an
    authenticator app scans."""

    serial_number: str
    base32_seed: Secret
    otpauth_uri: Secret


@dataclass(frozen=True, slots=True)
class ListedMfaDevice:
    """A device and the user it is bound to (``None``: unbound)."""

    device: VirtualMfaDevice
    user: User | None


@dataclass(frozen=True, slots=True)
class MfaBinding:
    """Bind the device ``serial_number`` to ``user_name``, proven by two consecutive codes."""

    serial_number: str
    user_name: str
    first_code: str
    second_code: str

    def __post_init__(self) -> None:
        required_text("SerialNumber", self.serial_number, SERIAL_NUMBER)
        required_text("UserName", self.user_name, USER_NAME)
        check_authentication_code("AuthenticationCode1", self.first_code)
        check_authentication_code("AuthenticationCode2", self.second_code)


@dataclass(frozen=True, slots=True)
class UserMfaDevice:
    """The device bound to a user."""

    user: User
    device: VirtualMfaDevice


def check_authentication_code(parameter: str, code: str) -> str:
    if not is_code_format(code):
        raise InvalidParameter(
            "AuthenticationCode.Format", f"The parameter {parameter} must be six digits."
        )
    return code


def create_virtual_mfa_device(
    ram: RamService, caller: Caller, device_name: str, within: Transaction | None = None
) -> CreatedMfaDevice:
    required_text("VirtualMFADeviceName", device_name, DEVICE_NAME)
    account_id = caller.account_id
    serial_number = mfa_arn(account_id, device_name)
    require_self_service(ram, caller, "ram:CreateVirtualMFADevice", serial_number)
    seed = new_seed()
    with ram.transaction(account_id, within=within) as tx:
        if tx.mfa_devices.count(account_id) >= MAX_VIRTUAL_MFA_DEVICES:
            raise LimitExceeded(
                "VirtualMFADevice",
                f"The account already has {MAX_VIRTUAL_MFA_DEVICES} virtual MFA devices.",
            )
        sealed = seal_seed(ram.master_key, serial_number, seed)
        tx.mfa_devices.create(
            account_id, device_name=device_name, sealed_seed=sealed, now=ram.now()
        )
    uri = otpauth_uri(seed, issuer=ISSUER, account=f"{device_name}@{account_id}")
    return CreatedMfaDevice(serial_number, Secret(encode_base32_seed(seed)), Secret(uri))


def delete_virtual_mfa_device(
    ram: RamService, caller: Caller, serial_number: str, within: Transaction | None = None
) -> None:
    required_text("SerialNumber", serial_number, SERIAL_NUMBER)
    with ram.transaction(caller.account_id, within=within) as tx:
        device = ram.authorized(
            tx,
            caller,
            "ram:DeleteVirtualMFADevice",
            MFA_DEVICE,
            serial_number,
            require=partial(require_self_service, ram),
        )
        if device.user_id is not None:
            raise DeleteConflict(
                "VirtualMFADevice.User",
                f"The virtual MFA device {device.serial_number} is bound to a user; unbind it"
                " first.",
            )
        tx.mfa_devices.delete(device.serial_number)


def list_virtual_mfa_devices(
    ram: RamService, caller: Caller, within: Transaction | None = None
) -> list[ListedMfaDevice]:
    """The account's devices by name, each with the user it is bound to."""
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:ListVirtualMFADevices", mfa_arn(account_id, "*"))
    with ram.read(within=within) as tx:
        return [
            ListedMfaDevice(
                device,
                tx.users.get_by_id(device.user_id) if device.user_id is not None else None,
            )
            for device in tx.mfa_devices.list(account_id)
        ]


def bind_mfa_device(
    ram: RamService, caller: Caller, binding: MfaBinding, within: Transaction | None = None
) -> None:
    account_id = caller.account_id
    with ram.transaction(account_id, within=within) as tx:
        user = ram.authorized(
            tx,
            caller,
            "ram:BindMFADevice",
            USER,
            binding.user_name,
            require=partial(require_self_service, ram),
        )
        # Authorized on the user only, as the real service's BindMFADevice is.
        device = MFA_DEVICE.existing(tx, account_id, binding.serial_number)
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
        codes = (binding.first_code, binding.second_code)
        if verify_consecutive_codes(seed, *codes, ram.now()) is None:
            raise ServiceError(
                "CheckAuthenticationCodeFail",
                "The authentication codes are not two consecutive codes of the device.",
                http_status=403,
            )
        tx.mfa_devices.bind(device.serial_number, user.user_id, now=ram.now())


def unbind_mfa_device(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> UserMfaDevice:
    """The device the user had, now unbound (and still there, to bind again or delete)."""
    required_text("UserName", user_name, USER_NAME)
    with ram.transaction(caller.account_id, within=within) as tx:
        user = ram.authorized(
            tx,
            caller,
            "ram:UnbindMFADevice",
            USER,
            user_name,
            require=partial(require_self_service, ram),
        )
        device = bound_device(tx, user)
        tx.mfa_devices.unbind(user.user_id)
    return UserMfaDevice(user, device)


def get_user_mfa_info(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> UserMfaDevice:
    required_text("UserName", user_name, USER_NAME)
    with ram.read(within=within) as tx:
        user = ram.authorized(
            tx,
            caller,
            "ram:GetUserMFAInfo",
            USER,
            user_name,
            require=partial(require_self_service, ram),
        )
        return UserMfaDevice(user, bound_device(tx, user))
