"""Console sign-in: an account's root with the account password, or a RAM user with its login
profile, then the MFA code of the user's device. The web console calls :meth:`SignInService.
sign_in` and acts on the :class:`SignInResult` (ask for a code, ask for a new password, …).

Rules, as the account's password policy and security preference say:

* ``MaxLoginAttemps`` wrong passwords or MFA codes within an hour lock sign-in for that name
  (``Locked``) until the hour has passed or an administrator sets a new password. Names that do
  not exist are counted and locked alike, so locking reveals nothing about which users exist.
* A RAM user signs in only from ``LoginNetworkMasks`` (when set); the root is not restricted.
* A user with a bound device must give its current code (``MFARequired`` until it does); a user
  with ``MFABindRequired`` and no device must bind one first (``MFABindRequired``).
* ``PasswordResetRequired``, or a password older than ``MaxPasswordAge`` days, ends in
  ``PasswordChangeRequired``; with ``HardExpiry`` an expired password ends in
  ``PasswordExpired`` (only an administrator's reset helps).
* An unknown account or user, or one without a password, costs one argon2 verification against
  a dummy hash, so the answer takes as long as for a real user with a wrong password.

Known limitation: failed attempts and the last accepted MFA time step are kept in this process's
memory (the store has no columns for them yet). With several server processes each counts on its
own, and a restart forgets them. The age of a RAM user's password is measured from its login
profile's last update, the closest the store records.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from ramsts.crypto import MasterKey, hash_password, verify_password
from ramsts.ram.arns import root_arn
from ramsts.ram.mfa import unseal_seed
from ramsts.ram.passwords import PasswordPolicy, password_policy
from ramsts.ram.security_preference import SecurityPreference, security_preference
from ramsts.ram.totp import verify_code
from ramsts.store import Account, LoginProfile, Store, Transaction, User, VirtualMfaDevice
from ramsts.types import Clock, Secret, system_clock

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
]

LOCKOUT_WINDOW = timedelta(hours=1)
MAX_TRACKED_NAMES = 100_000
"""Names with recent failures remembered at most, so that guessing names cannot exhaust memory."""

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

    @property
    def signed_in(self) -> bool:
        return self.outcome == "SignedIn"

    @property
    def message(self) -> str:
        """What to tell the person; never says which part of invalid credentials was wrong."""
        return MESSAGES[self.outcome]


@cache
def _dummy_hash() -> str:
    # Made once per process with this process's argon2 parameters, so its cost is a real one's.
    return hash_password(Secret("ramsts dummy password that matches nothing"))


AttemptKey = tuple[str, str | None]
"""(account id, or the account as typed when unknown; lower-cased user name, ``None``: root)."""


class FailedSignIns:
    """Recent failed sign-ins per name, in this process's memory. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[AttemptKey, list[datetime]] = {}

    def count(self, key: AttemptKey, since: datetime) -> int:
        """Failures at or after ``since`` (a failure in the same instant as a reset counts: the
        safe side)."""
        with self._lock:
            return sum(1 for moment in self._failures.get(key, ()) if moment >= since)

    def record(self, key: AttemptKey, now: datetime) -> None:
        with self._lock:
            recent = [m for m in self._failures.get(key, ()) if m > now - LOCKOUT_WINDOW]
            self._failures[key] = [*recent, now]
            if len(self._failures) > MAX_TRACKED_NAMES:
                self._forget_stale(now)

    def clear(self, key: AttemptKey) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _forget_stale(self, now: datetime) -> None:
        cutoff = now - LOCKOUT_WINDOW
        for stale in [k for k, moments in self._failures.items() if moments[-1] <= cutoff]:
            del self._failures[stale]
        while len(self._failures) > MAX_TRACKED_NAMES:
            oldest = min(self._failures, key=lambda k: self._failures[k][-1])
            del self._failures[oldest]


@dataclass(frozen=True, slots=True)
class _Candidate:
    """Who the sign-in names, as far as the store knows."""

    account: Account | None
    for_root: bool
    user: User | None
    """``None`` for the root, and for a user name the account does not have."""
    profile: LoginProfile | None
    device: VirtualMfaDevice | None
    policy: PasswordPolicy
    preference: SecurityPreference

    @property
    def password_hash(self) -> str | None:
        if self.account is None:
            return None
        if self.for_root:
            return self.account.root_password_hash
        return None if self.profile is None else self.profile.password_hash


class SignInService:
    """Checks console sign-ins. Share one per process (it holds the failure counts)."""

    def __init__(self, store: Store, master_key: MasterKey, *, clock: Clock = system_clock):
        self._store = store
        self._master_key = master_key
        self._clock = clock
        self._failures = FailedSignIns()
        self._used_steps: dict[str, int] = {}
        self._steps_lock = threading.Lock()

    def sign_in(
        self,
        account: str,
        user_name: str | None,
        password: Secret,
        mfa_code: str | None = None,
        *,
        source_ip: str,
        now: datetime | None = None,
    ) -> SignInResult:
        """Sign in to ``account`` (its AccountId or alias) as ``user_name``, or as the root when
        ``user_name`` is ``None``."""
        moment = self._clock() if now is None else now
        with self._store.read() as tx:
            candidate = self._candidate(tx, account.strip(), user_name)
        found = candidate.account
        key: AttemptKey = (
            found.account_id if found else account.strip().lower(),
            None if user_name is None else user_name.lower(),
        )
        since = moment - LOCKOUT_WINDOW
        if candidate.profile is not None:
            # A new password set since the failures clears them (an administrator's reset).
            since = max(since, candidate.profile.updated_at)
        limit = candidate.policy.max_login_attempts
        if limit and self._failures.count(key, since) >= limit:
            return SignInResult("Locked")
        stored_hash = candidate.password_hash
        matched = verify_password(stored_hash or _dummy_hash(), password)
        if found is None or stored_hash is None or not matched:
            self._failures.record(key, moment)
            return SignInResult("InvalidCredentials")
        user = candidate.user
        arn = root_arn(found.account_id) if user is None else user.arn
        signed = SignInResult("SignedIn", found.account_id, user, arn)
        if user is not None and not candidate.preference.allows_source_ip(source_ip):
            return SignInResult("NetworkDenied", account_id=found.account_id)
        if candidate.device is not None:
            if mfa_code is None:
                return _as(signed, "MFARequired")
            if not self._accept_code(candidate.device, mfa_code, moment):
                self._failures.record(key, moment)
                return _as(signed, "InvalidMFACode")
        elif candidate.profile is not None and candidate.profile.mfa_bind_required:
            self._failures.clear(key)
            return _as(signed, "MFABindRequired")
        self._failures.clear(key)
        pending = _password_outcome(candidate, moment)
        if pending is not None:
            return _as(signed, pending)
        if user is not None:
            with self._store.transaction() as tx:
                tx.users.record_login(user.user_id, moment)
        hours = timedelta(hours=candidate.preference.login_session_duration)
        return SignInResult("SignedIn", found.account_id, user, arn, hours)

    def _candidate(self, tx: Transaction, account: str, user_name: str | None) -> _Candidate:
        for_root = user_name is None
        found = tx.accounts.get(account) if account.isdigit() else tx.accounts.get_by_alias(account)
        if found is None:
            return _Candidate(
                None, for_root, None, None, None, PasswordPolicy(), SecurityPreference()
            )
        policy = password_policy(tx, found.account_id)
        preference = security_preference(tx, found.account_id)
        user = None if user_name is None else tx.users.get(found.account_id, user_name)
        if user is None:
            # The root, or a user name the account does not have (no password will match; its
            # failures count under the account like a real user's).
            return _Candidate(found, for_root, None, None, None, policy, preference)
        profile = tx.login_profiles.get(user.user_id)
        device = tx.mfa_devices.get_for_user(user.user_id)
        return _Candidate(found, for_root, user, profile, device, policy, preference)

    def _accept_code(self, device: VirtualMfaDevice, code: str, moment: datetime) -> bool:
        """A valid code of a time step later than the last one accepted for this device, so
        that a code seen over someone's shoulder cannot be used a second time."""
        step = verify_code(unseal_seed(self._master_key, device), code, moment)
        if step is None:
            return False
        with self._steps_lock:
            if step <= self._used_steps.get(device.serial_number, -1):
                return False
            self._used_steps[device.serial_number] = step
        return True


def _password_outcome(candidate: _Candidate, moment: datetime) -> SignInOutcome | None:
    """What the user's password still asks for once every factor was right, if anything."""
    profile, policy = candidate.profile, candidate.policy
    if profile is None:
        return None
    if profile.password_reset_required:
        return "PasswordChangeRequired"
    max_age = policy.max_password_age
    if max_age and moment >= profile.updated_at + timedelta(days=max_age):
        return "PasswordExpired" if policy.hard_expiry else "PasswordChangeRequired"
    return None


def _as(signed: SignInResult, outcome: SignInOutcome) -> SignInResult:
    """The same person, an outcome short of a session."""
    return SignInResult(outcome, signed.account_id, signed.user, signed.principal_arn)
