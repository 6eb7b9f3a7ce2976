"""Console sessions: who is signed in, held in one sealed cookie.

The session travels in the ``ramsts_console`` cookie, sealed with the master key (AES-GCM under
its own context), so the browser can neither read nor alter it and every worker process can open
it without shared state. It expires at ``expires_at`` — the account's LoginSessionDuration after
sign-in for a RAM user, six hours for the root — whatever the browser does with the cookie, and
ends sooner when the store says so: every request of a signed-in session asks
:class:`~ramsts.ram.sign_in_sessions.SignedInSessions` whether its password,
LoginSessionDuration and LoginNetworkMasks still let it go on.

A visitor who has not signed in yet still gets a session (stage ``anonymous``) so that the
sign-in form has a CSRF token bound to the browser. Stages in between (``mfa``, ``mfa-bind``,
``change-password``) remember who passed the password check; no page but that step's accepts
them. The password itself is never kept: the MFA steps carry the sign-in service's ticket
instead.

Every session carries its CSRF token. Forms echo it in a hidden field and the server compares it
in constant time with the one in the sealed cookie (a session-bound synchronizer token): a page
on another site can make the browser send the cookie but cannot read the token.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from ramsts.crypto import MasterKey, UnsealError

COOKIE_NAME = "ramsts_console"
SEALING_CONTEXT = "console-session:v1"
ANONYMOUS_LIFETIME = timedelta(hours=1)
"""How long a sign-in form stays usable before its token must be renewed."""
STEP_LIFETIME = timedelta(minutes=5)
"""How long the MFA and change-password steps wait after a correct password (the sign-in
service's ticket lasts as long)."""

Stage = Literal["anonymous", "mfa", "mfa-bind", "change-password", "signed-in"]
IdentityType = Literal["Account", "RAMUser"]


@dataclass(frozen=True, slots=True)
class Session:
    """One browser's console session, as sealed into its cookie."""

    stage: Stage
    csrf_token: str
    expires_at: int
    """Unix time after which the session is refused."""
    account_id: str = ""
    identity_type: IdentityType = "Account"
    user_id: str = ""
    user_name: str = ""
    mfa_present: bool = False
    ticket: str = field(default="", repr=False)
    """Only at the ``mfa`` and ``mfa-bind`` stages: the sign-in service's sealed ticket, proof
    that the password was right, which its MFA step takes instead of the password. It is
    single-use, expires with the step and is dropped when the step ends."""
    remember_offered: bool = False
    """At the ``mfa`` stage: whether the step may remember this browser
    (``EnableSaveMFATicket``)."""
    credential: str = field(default="", repr=False)
    """Once signed in: the fingerprint of the password it signed in with, which every request
    compares with the store's (:class:`~ramsts.ram.sign_in_sessions.SignedInSessions`). A
    cookie without one (sealed before it existed) holds no session."""
    issued_at: int = 0
    """Unix time of the sign-in, against which LoginSessionDuration is measured afresh on every
    request."""

    @property
    def signed_in(self) -> bool:
        return self.stage == "signed-in"

    def csrf_matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self.csrf_token.encode(), candidate.encode())


def anonymous_session(now: datetime) -> Session:
    return Session(
        stage="anonymous",
        csrf_token=secrets.token_urlsafe(32),
        expires_at=int((now + ANONYMOUS_LIFETIME).timestamp()),
    )


def advanced(session: Session, stage: Stage, now: datetime, lifetime: timedelta) -> Session:
    """``session`` moved to ``stage`` with a fresh CSRF token (a new privilege level gets a new
    token, so a token seen before sign-in is worth nothing after it)."""
    return replace(
        session,
        stage=stage,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=int((now + lifetime).timestamp()),
    )


class SessionCodec:
    """Seals sessions into cookie values and opens them again."""

    def __init__(self, master_key: MasterKey) -> None:
        self._master_key = master_key

    def seal(self, session: Session) -> str:
        text = json.dumps(asdict(session), separators=(",", ":"))
        return self._master_key.seal(text, SEALING_CONTEXT)

    def open(self, cookie: str | None, now: datetime) -> Session | None:
        """The session in ``cookie``, or ``None`` if it is absent, forged, garbled or expired."""
        session = self._unseal(cookie)
        if session is None or session.expires_at <= now.timestamp():
            return None
        return session

    def expired(self, cookie: str | None, now: datetime) -> bool:
        """Whether ``cookie`` holds a signed-in session that has expired. No cookie (a first
        visit), one that does not open (forged, or sealed under another key) or one from before
        sign-in held no session to expire."""
        session = self._unseal(cookie)
        return session is not None and session.signed_in and session.expires_at <= now.timestamp()

    def _unseal(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            fields = json.loads(self._master_key.unseal(cookie, SEALING_CONTEXT))
            return Session(**fields)
        except (UnsealError, ValueError, TypeError):
            return None
