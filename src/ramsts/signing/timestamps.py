"""Request timestamps: the one wire format and the replay window (api.md §4).

RPC ``Timestamp`` and V3 ``x-acs-date`` are UTC with a ``Z`` suffix: ``YYYY-MM-DDThh:mm:ssZ`` as
every SDK in Python sends it, or with a fraction of a second (``2026-12-02T07:33:13.209Z``) as
JavaScript's ``Date.toISOString()`` makes it for ali-oss and the Node SDKs, which the real gateway
accepts too. The gateway refuses requests more than 15 minutes away from its own
clock, in either direction, with ``InvalidTimeStamp.Expired``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ramsts.errors import AuthenticationError

if TYPE_CHECKING:
    from ramsts.signing.request import SignedRequest

TIMESTAMP_WINDOW = timedelta(minutes=15)
"""How far a request's time may be from the server's, either way (api.md §4)."""

_LAYOUT = "YYYY-MM-DDThh:mm:ssZ"
_SEPARATORS = ((4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"))
_WHOLE_SECONDS = len(_LAYOUT) - 1
_MAX_FRACTION_DIGITS = 6
"""Microseconds: the finest a datetime holds, and finer than any client sends."""


def parse_timestamp(text: str) -> datetime | None:
    """The instant ``text`` names, or None unless it is ``YYYY-MM-DDThh:mm:ssZ``, optionally
    with one to six digits of a fraction of a second before the ``Z``."""
    # fromisoformat alone would also take dates without a time, offsets and week dates.
    if not text.isascii() or not text.endswith("Z") or len(text) < len(_LAYOUT):
        return None
    if any(text[index] != separator for index, separator in _SEPARATORS):
        return None
    fraction = text[_WHOLE_SECONDS:-1]
    if fraction and not (
        fraction[0] == "."
        and 2 <= len(fraction) <= _MAX_FRACTION_DIGITS + 1
        and fraction[1:].isdigit()
    ):
        return None
    if not text[:_WHOLE_SECONDS].replace("-", "").replace(":", "").replace("T", "").isdigit():
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def format_timestamp(instant: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC, as every SDK sends it. ``instant`` must be aware."""
    if instant.tzinfo is None:
        raise ValueError("a request time must be timezone-aware")
    utc = instant.astimezone(UTC)
    # Not strftime: its %Y does not pad years before 1000 on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def check_timestamp(
    request: SignedRequest, now: datetime, window: timedelta = TIMESTAMP_WINDOW
) -> None:
    """Refuse a request whose time is malformed or more than ``window`` away from ``now``.

    Raises ``InvalidTimeStamp.Format`` or ``InvalidTimeStamp.Expired`` (HTTP 400). An anonymous
    request that carries no time at all (the credentials library's OIDC provider sends one, Tea
    does too, but nothing requires it) has nothing to check.
    """
    text = request.timestamp_text
    if text is None:
        if request.scheme == "anonymous":
            return
        raise _format_error(request, "")
    instant = request.timestamp
    if instant is None:
        raise _format_error(request, text)
    if abs(now - instant) > window:
        raise AuthenticationError(
            "InvalidTimeStamp.Expired",
            f"Specified time stamp or date value is expired: {text!r} is more than "
            f"{int(window.total_seconds() // 60)} minutes away from the server time.",
        )


def _format_error(request: SignedRequest, text: str) -> AuthenticationError:
    name = "x-acs-date" if request.scheme == "v3" else "Timestamp"
    return AuthenticationError(
        "InvalidTimeStamp.Format",
        f"Specified {name} {text!r} is not in the format {_LAYOUT} (UTC; a fraction of a second"
        " may come before the Z).",
    )
