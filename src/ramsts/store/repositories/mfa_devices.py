"""Virtual MFA devices: created unbound, then bound to at most one user each (and a user has at
most one device, enforced by a unique ``user_id``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store.columns import fold_name
from ramsts.store.records import VirtualMfaDevice
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import virtual_mfa_devices


def serial_number(account_id: str, device_name: str) -> str:
    return f"acs:ram::{account_id}:mfa/{device_name}"


def to_mfa_device(row: Mapping[Any, Any]) -> VirtualMfaDevice:
    return VirtualMfaDevice(
        serial_number=row["serial_number"],
        account_id=row["account_id"],
        device_name=row["device_name"],
        sealed_seed=row["sealed_seed"],
        user_id=row["user_id"],
        enabled_at=row["enabled_at"],
        created_at=row["created_at"],
    )


class MfaDeviceRepository(Repository):
    def create(
        self, account_id: str, *, device_name: str, sealed_seed: str, now: datetime
    ) -> VirtualMfaDevice:
        """Raises ``Conflict("VirtualMFADevice")`` when the name is taken (in any letter case)."""
        device = VirtualMfaDevice(
            serial_number(account_id, device_name),
            account_id,
            device_name,
            sealed_seed,
            None,
            None,
            now,
        )
        self._write(
            virtual_mfa_devices.insert().values(
                serial_number=device.serial_number,
                account_id=account_id,
                device_name=device_name,
                name_key=fold_name(device_name),
                sealed_seed=sealed_seed,
                user_id=None,
                enabled_at=None,
                created_at=now,
            ),
            entity="VirtualMFADevice",
            key=device_name,
            parent="Account",
        )
        return device

    def get(self, serial: str) -> VirtualMfaDevice | None:
        return self._one(virtual_mfa_devices.c.serial_number == serial)

    def get_for_user(self, user_id: str) -> VirtualMfaDevice | None:
        return self._one(virtual_mfa_devices.c.user_id == user_id)

    def list(self, account_id: str) -> list[VirtualMfaDevice]:
        rows = self._connection.execute(
            sa.select(virtual_mfa_devices)
            .where(virtual_mfa_devices.c.account_id == account_id)
            .order_by(virtual_mfa_devices.c.name_key)
        ).mappings()
        return [to_mfa_device(row) for row in rows]

    def count(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(virtual_mfa_devices.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    def bind(self, serial: str, user_id: str, *, now: datetime) -> bool:
        """Bind an unbound device. ``False`` if the device is missing or bound already;
        ``Conflict("User.MFADevice")`` if the user has a device."""
        result = self._write(
            virtual_mfa_devices.update()
            .where(
                (virtual_mfa_devices.c.serial_number == serial)
                & virtual_mfa_devices.c.user_id.is_(None)
            )
            .values(user_id=user_id, enabled_at=now),
            entity="User.MFADevice",
            key=serial,
            parent="User",
        )
        return result.rowcount == 1

    def unbind(self, user_id: str) -> VirtualMfaDevice | None:
        """Release the user's device; returns it as it was, or ``None`` if there was none."""
        device = self.get_for_user(user_id)
        if device is not None:
            self._connection.execute(
                virtual_mfa_devices.update()
                .where(virtual_mfa_devices.c.serial_number == device.serial_number)
                .values(user_id=None, enabled_at=None)
            )
        return device

    def delete(self, serial: str) -> bool:
        result = self._connection.execute(
            virtual_mfa_devices.delete().where(virtual_mfa_devices.c.serial_number == serial)
        )
        return result.rowcount == 1

    def _one(self, condition: sa.ColumnElement[bool]) -> VirtualMfaDevice | None:
        row = (
            self._connection.execute(sa.select(virtual_mfa_devices).where(condition))
            .mappings()
            .first()
        )
        return to_mfa_device(row) if row else None
