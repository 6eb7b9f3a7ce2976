"""Whether a console session that signed in earlier may still act, asked on every request.

A session is the browser's, sealed into a cookie; what it may do is the store's to say, now.
:meth:`SignedInSessions.check` reads the store afresh (no cache: a console request is rare next
to the database round trip it already makes), so whatever ends a session ends it for the very
next request, in every server process and across restarts:

* **The password it signed in with is no longer the password.** The session carries a
  *credential fingerprint* (:func:`credential_fingerprint`): a digest of the password hash it
  was verified against, read in the same transaction as the verification. An administrator's
  new password (``UpdateLoginProfile`` with ``Password``), the user's own ``ChangePassword``
  (the real service signs the user out of every console session, this one too), a login profile
  deleted (``DeleteLoginProfile``, which is how RAM's API disables console logon) or
  deleted and created again (a new hash, with a new salt, even for the same password), and the
  user's deletion all change or remove the hash, so the fingerprint no longer matches. No
  action has to remember to end sessions, and a sign-in racing a reset loses: it carries the
  fingerprint of the hash it checked.
* **It is older than the account's LoginSessionDuration** as the security preference says
  now, so shortening it shortens sessions already open. The root is not a RAM user and is not
  held to the preference: its sessions last :data:`ROOT_SESSION_DURATION`.
* **It comes from outside LoginNetworkMasks** as they are now (RAM users only): a session
  cookie taken elsewhere, or masks narrowed since sign-in, end it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ramsts.ram.security_preference import security_preference
from ramsts.store import Store

ROOT_SESSION_DURATION = timedelta(hours=6)
"""How long an account root's console session lasts (the security preference's default; the
preference itself governs RAM users only)."""

SessionEnd = Literal["CredentialChanged", "Expired", "NetworkDenied"]

MESSAGES: dict[SessionEnd, str] = {
    "CredentialChanged": "Your session has ended: your console password or access changed."
    " Please sign in again.",
    "Expired": "Your session has expired. Please sign in again.",
    "NetworkDenied": "Your session has ended: console access from this network is not allowed.",
}


def credential_fingerprint(password_hash: str) -> str:
    """What a session remembers of the password it was signed in with: a digest of its argon2
    hash (salted, so equal passwords have unequal fingerprints). It travels only inside the
    sealed session cookie."""
    return hashlib.sha256(b"console-session\0" + password_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class SignedInSession:
    """What the console knows of a signed-in session, as its cookie holds it."""

    account_id: str
    user_id: str | None
    """``None``: the account's root."""
    credential: str
    """:func:`credential_fingerprint` of the password the session signed in with."""
    issued_at: float
    """Unix time of the sign-in."""


class SignedInSessions:
    """Answers whether a signed-in console session still holds. Thread-safe; any number of
    instances over one database agree."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def check(
        self, session: SignedInSession, *, source_ip: str, now: datetime
    ) -> SessionEnd | None:
        """Why ``session`` has ended, or ``None`` if it may go on."""
        with self._store.read() as tx:
            account = tx.accounts.get(session.account_id)
            if account is None:
                return "CredentialChanged"
            if session.user_id is None:
                password_hash = account.root_password_hash
                lifetime = ROOT_SESSION_DURATION
                preference = None
            else:
                user = tx.users.get_by_id(session.user_id)
                profile = None if user is None else tx.login_profiles.get(user.user_id)
                if user is None or profile is None or user.account_id != account.account_id:
                    return "CredentialChanged"
                password_hash = profile.password_hash
                preference = security_preference(tx, account.account_id)
                lifetime = timedelta(hours=preference.login_session_duration)
        if password_hash is None or not hmac.compare_digest(
            credential_fingerprint(password_hash), session.credential
        ):
            return "CredentialChanged"
        if now.timestamp() >= session.issued_at + lifetime.total_seconds():
            return "Expired"
        if preference is not None and not preference.allows_source_ip(source_ip):
            return "NetworkDenied"
        return None
