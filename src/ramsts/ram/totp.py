"""Time-based one-time passwords of virtual MFA devices: RFC 6238 (TOTP) over RFC 4226 (HOTP).

The parameters are the ones every authenticator app assumes: HMAC-SHA-1, a 30-second time step
counted from the Unix epoch (``T0 = 0``), six digits. Seeds are random bytes shown to the user
once, as unpadded base32 (RFC 4648) and as an ``otpauth://`` URI in a QR code.

A code is accepted in the current time step and one step either side, to absorb clock drift
between the server and the phone. Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote, urlencode

TIME_STEP_SECONDS = 30
"""RFC 6238's X: the length of one time step."""
DIGITS = 6
DRIFT_STEPS = 1
"""Time steps accepted before and after the current one."""
SEED_BYTES = 40
"""320 bits, the size of the seeds the real service issues (64 base32 characters)."""


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def encode_base32_seed(seed: bytes) -> str:
    """The ``Base32StringSeed`` a user types into an authenticator app (no ``=`` padding)."""
    return base64.b32encode(seed).decode("ascii").rstrip("=")


def decode_base32_seed(text: str) -> bytes:
    """The seed bytes of a base32 string as apps accept it: any case, spaces, padding optional.
    Raises ``ValueError`` on anything else."""
    cleaned = text.replace(" ", "").upper().rstrip("=")
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except binascii.Error as error:
        raise ValueError("not a base32 seed") from error


def time_step(moment: datetime) -> int:
    """RFC 6238's T: whole time steps since the Unix epoch."""
    return int(moment.timestamp()) // TIME_STEP_SECONDS


def hotp(seed: bytes, counter: int, *, digits: int = DIGITS) -> str:
    """RFC 4226 §5.3: HMAC-SHA-1 of the 8-byte counter, dynamic truncation, ``digits`` digits."""
    mac = hmac.new(seed, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**digits).zfill(digits)


def totp(seed: bytes, moment: datetime, *, digits: int = DIGITS) -> str:
    """RFC 6238 §4.2: the code of the time step ``moment`` falls in."""
    return hotp(seed, time_step(moment), digits=digits)


def is_code_format(code: str) -> bool:
    """Whether ``code`` looks like a code at all: exactly six ASCII digits."""
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def matching_step(seed: bytes, code: str, steps: Iterable[int]) -> int | None:
    """The first of ``steps`` whose code is ``code``, or ``None``.

    Every candidate is computed and compared, so the time taken does not depend on which one
    matched.
    """
    found: int | None = None
    for step in steps:
        if hmac.compare_digest(hotp(seed, step), code) and found is None:
            found = step
    return found


def verify_code(seed: bytes, code: str, moment: datetime) -> int | None:
    """The time step ``code`` belongs to if it is valid at ``moment`` (±:data:`DRIFT_STEPS`),
    else ``None``. Callers that must refuse a replayed code remember the step returned."""
    if not is_code_format(code):
        return None
    now = time_step(moment)
    return matching_step(seed, code, range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1))


def verify_consecutive_codes(seed: bytes, first: str, second: str, moment: datetime) -> int | None:
    """Whether ``first`` and ``second`` are the codes of two consecutive time steps, the second
    one current (±:data:`DRIFT_STEPS`): what binding a device asks, proving the app holds the
    seed and keeps time. Returns the second code's step, or ``None``."""
    second_step = verify_code(seed, second, moment)
    if second_step is None or not is_code_format(first):
        return None
    if matching_step(seed, first, (second_step - 1,)) is None:
        return None
    return second_step


def otpauth_uri(seed: bytes, *, issuer: str, account: str) -> str:
    """The Key URI authenticator apps scan: ``otpauth://totp/<issuer>:<account>?secret=…``."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {
            "secret": encode_base32_seed(seed),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": TIME_STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
