"""Remembered MFA devices: a browser that passed a user's MFA check may skip it for seven days,
when the account's security preference says so (``EnableSaveMFATicket``, the real console's
"Remember MFA for seven days").

What the browser keeps is a token sealed under the master key (:data:`REMEMBERED_CONTEXT`): the
user, the device whose code was right, a fingerprint of the password it was right with, and
when it expires. It spares only the code, never the password, and it counts only while

* the preference still allows it — turning ``EnableSaveMFATicket`` off forgets every
  remembered browser at once;
* the same device is bound to the same user — a new device needs a new check;
* the password is the one it was remembered with — a reset (of a password thought stolen, say)
  forgets it too.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from ramsts.crypto import MasterKey, UnsealError
from ramsts.ram.sign_in_sessions import credential_fingerprint
from ramsts.store import LoginProfile, User, VirtualMfaDevice

REMEMBER_FOR = timedelta(days=7)
REMEMBERED_CONTEXT = "remembered-mfa:v1"


@dataclass(frozen=True, slots=True)
class _Remembered:
    user_id: str
    serial_number: str
    credential: str
    expires_at: float


class RememberedDevices:
    """Seals and recognises remembered MFA checks. Stateless: any process with the master key
    recognises what another sealed."""

    def __init__(self, master_key: MasterKey) -> None:
        self._master_key = master_key

    def remember(
        self, user: User, profile: LoginProfile, device: VirtualMfaDevice, moment: datetime
    ) -> str:
        remembered = _Remembered(
            user_id=user.user_id,
            serial_number=device.serial_number,
            credential=credential_fingerprint(profile.password_hash),
            expires_at=(moment + REMEMBER_FOR).timestamp(),
        )
        return self._master_key.seal(json.dumps(asdict(remembered)), REMEMBERED_CONTEXT)

    def recognises(
        self,
        sealed: str,
        user: User,
        profile: LoginProfile,
        device: VirtualMfaDevice,
        moment: datetime,
    ) -> bool:
        """Whether ``sealed`` remembers this user passing this device's check, with this
        password, less than :data:`REMEMBER_FOR` ago."""
        if not sealed:
            return False
        try:
            remembered = _Remembered(
                **json.loads(self._master_key.unseal(sealed, REMEMBERED_CONTEXT))
            )
        except (UnsealError, ValueError, TypeError):
            return False
        return (
            remembered.user_id == user.user_id
            and remembered.serial_number == device.serial_number
            and hmac.compare_digest(
                remembered.credential, credential_fingerprint(profile.password_hash)
            )
            and moment.timestamp() < remembered.expires_at
        )
