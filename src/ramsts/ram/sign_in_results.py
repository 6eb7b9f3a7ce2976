"""What a console sign-in answers (:class:`~ramsts.ram.sign_in.SignInService`): the outcome, the
message to show for it, and a new MFA device's enrolment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from ramsts.store import User

SignInOutcome = Literal[
    "SignedIn",
    "MFARequired",
    "MFABindRequired",
    "PasswordChangeRequired",
    "PasswordExpired",
    "InvalidCredentials",
    "InvalidMFACode",
    "Locked",
    "NetworkDenied",
    "SignInExpired",
]

MESSAGES: dict[SignInOutcome, str] = {
    "SignedIn": "Signed in.",
    "MFARequired": "Enter the code of your MFA device.",
    "MFABindRequired": "Bind an MFA device to your user before you sign in.",
    "PasswordChangeRequired": "Set a new password before you sign in.",
    "PasswordExpired": "Your password has expired; ask an administrator to reset it.",
    "InvalidCredentials": "The account, user name or password is not correct.",
    "InvalidMFACode": "The MFA code is not correct.",
    "Locked": "Too many failed sign-ins; try again later.",
    "NetworkDenied": "Sign-in from this network is not allowed for this account.",
    "SignInExpired": "This sign-in has expired or was already used; sign in again.",
}


@dataclass(frozen=True, slots=True)
class SignInResult:
    outcome: SignInOutcome
    account_id: str | None = None
    """Set once the password was right, else ``None``."""
    user: User | None = None
    """The RAM user; ``None`` for the root or when the credentials were not right."""
    principal_arn: str | None = None
    session_duration: timedelta | None = None
    """How long the console session may last (``LoginSessionDuration``), when signed in."""
    ticket: str = field(default="", repr=False)
    """With ``MFARequired`` and ``InvalidMFACode``: what :meth:`SignInService.confirm_mfa` takes
    instead of the password. With ``MFABindRequired``: what :meth:`SignInService.
    begin_mfa_binding` takes, empty when the user may not bind a device itself."""
    mfa_verified: bool = False
    """Whether this sign-in passed an MFA check (``acs:MFAPresent``)."""
    may_remember_mfa: bool = False
    """With ``MFARequired``: whether the MFA step may remember the browser
    (``EnableSaveMFATicket``)."""
    remembered_mfa: str = field(default="", repr=False)
    """When signed in with ``remember``: the sealed token the browser keeps to skip the code
    for seven days (:mod:`ramsts.ram.sign_in_remembered`)."""
    credential: str = field(default="", repr=False)
    """When signed in: the :func:`~ramsts.ram.sign_in_sessions.credential_fingerprint` of the
    password it was verified against, for the console to keep in the session and
    :class:`~ramsts.ram.sign_in_sessions.SignedInSessions` to compare on every request."""

    @property
    def signed_in(self) -> bool:
        return self.outcome == "SignedIn"

    @property
    def message(self) -> str:
        """What to tell the person; never says which part of invalid credentials was wrong."""
        return MESSAGES[self.outcome]


@dataclass(frozen=True, slots=True)
class MfaEnrolment:
    """A new device's seed, shown to the person once, and the ticket that binds it."""

    ticket: str = field(repr=False)
    label: str
    """How authenticator apps will list the device: ``<user>@<account id>``."""
    base32_seed: str = field(repr=False)
    qr_code_png: str = field(repr=False)
    """``QRCodePNG``: the base64 of a PNG of the seed's ``otpauth://`` URI."""
