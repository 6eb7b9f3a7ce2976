"""Console sign-in: an account's root with the account password, or a RAM user with its login
profile, then the MFA code of the user's device. The web console calls :meth:`SignInService.
sign_in` and acts on the :class:`SignInResult` (ask for a code, ask for a new password, …).

Rules, as the account's password policy and security preference say:

* ``MaxLoginAttemps`` wrong passwords or MFA codes within an hour lock sign-in for that name
  (``Locked``) until the hour has passed or an administrator sets a new password. Names that do
  not exist are counted and locked alike, so locking reveals nothing about which users exist.
* A RAM user signs in only from ``LoginNetworkMasks`` (when set); the root is not restricted.
* A user with a bound device must give its current code (``MFARequired`` until it does); a user
  with ``MFABindRequired`` and no device must bind one first (``MFABindRequired``), which it
  may do itself during sign-in when ``AllowUserToManageMFADevices`` says so.
* ``PasswordResetRequired``, or a password older than ``MaxPasswordAge`` days, ends in
  ``PasswordChangeRequired``; with ``HardExpiry`` an expired password ends in
  ``PasswordExpired`` (only an administrator's reset helps).
* An unknown account or user, or one without a password, costs one argon2 verification against
  a dummy hash, so the answer takes as long as for a real user with a wrong password.

The password is checked once. What the MFA steps need to know about it travels in a *ticket*:
sealed under the master key, naming the user, valid for :data:`TICKET_LIFETIME` after the
password and spent by the step that completes it, so the console never keeps the password
between steps. A ticket no longer fits once the user's password is set again or its device
changes.

Known limitation: failed attempts, spent tickets and the last accepted MFA time step are kept in
this process's memory (the store has no columns for them yet). With several server processes
each counts on its own, and a restart forgets them. The age of a RAM user's password is measured
from its login profile's last update, the closest the store records.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from ramsts.crypto import MasterKey, UnsealError, hash_password, verify_password
from ramsts.ram.arns import root_arn
from ramsts.ram.mfa import ISSUER, mfa_arn, qr_code_png, seal_seed, unseal_seed
from ramsts.ram.passwords import PasswordPolicy, password_policy
from ramsts.ram.security_preference import SecurityPreference, security_preference
from ramsts.ram.totp import (
    decode_base32_seed,
    encode_base32_seed,
    new_seed,
    otpauth_uri,
    verify_code,
    verify_consecutive_codes,
)
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
    "SignInExpired",
]

LOCKOUT_WINDOW = timedelta(hours=1)
TICKET_LIFETIME = timedelta(minutes=5)
"""How long the MFA step (or binding a device) may take after the password was right."""
TICKET_CONTEXT = "sign-in-ticket:v1"
MAX_TRACKED_NAMES = 100_000
"""Names with recent failures (and tickets spent) remembered at most, so that guessing names
cannot exhaust memory."""

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

TicketPurpose = Literal["mfa", "bind"]


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


@dataclass(frozen=True, slots=True)
class _Ticket:
    """What a ticket vouches for: this user gave the right password at ``issued_at``."""

    purpose: TicketPurpose
    ticket_id: str
    account_id: str
    user_id: str
    user_name: str
    issued_at: float
    expires_at: float
    serial_number: str = ""
    """``mfa``: the device whose code is asked; a device bound since then needs a new sign-in."""
    seed: str = ""
    """``bind``, once begun: the base32 seed of the device being bound (sealed with the rest)."""


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


class SpentTickets:
    """Tickets already used, remembered until they would have expired anyway. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, float] = {}

    def spend(self, ticket: _Ticket, now: datetime) -> bool:
        """Mark ``ticket`` spent; ``False`` if it was spent already."""
        with self._lock:
            if ticket.ticket_id in self._spent:
                return False
            if len(self._spent) >= MAX_TRACKED_NAMES:
                self._spent = {t: end for t, end in self._spent.items() if end > now.timestamp()}
            self._spent[ticket.ticket_id] = ticket.expires_at
            return True

    def is_spent(self, ticket: _Ticket) -> bool:
        with self._lock:
            return ticket.ticket_id in self._spent


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

    def since(self, moment: datetime) -> datetime:
        """Where the lockout window starts: a new password set since the failures clears them
        (an administrator's reset)."""
        start = moment - LOCKOUT_WINDOW
        return start if self.profile is None else max(start, self.profile.updated_at)


class SignInService:
    """Checks console sign-ins. Share one per process (it holds the failure counts)."""

    def __init__(self, store: Store, master_key: MasterKey, *, clock: Clock = system_clock):
        self._store = store
        self._master_key = master_key
        self._clock = clock
        self._failures = FailedSignIns()
        self._spent = SpentTickets()
        self._used_steps: dict[str, int] = {}
        self._steps_lock = threading.Lock()

    def sign_in(
        self,
        account: str,
        user_name: str | None,
        password: Secret,
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
        limit = candidate.policy.max_login_attempts
        if limit and self._failures.count(key, candidate.since(moment)) >= limit:
            return SignInResult("Locked")
        stored_hash = candidate.password_hash
        matched = verify_password(stored_hash or _dummy_hash(), password)
        if found is None or stored_hash is None or not matched:
            self._failures.record(key, moment)
            return SignInResult("InvalidCredentials")
        user = candidate.user
        if user is not None and not candidate.preference.allows_source_ip(source_ip):
            return SignInResult("NetworkDenied", account_id=found.account_id)
        if user is not None and candidate.device is not None:
            # The failures stay counted: the right password alone must not buy more guesses
            # at the code.
            ticket = self._issue(user, "mfa", moment, candidate.device.serial_number)
            return replace(_short_of_session(candidate, "MFARequired"), ticket=ticket)
        self._failures.clear(key)
        if user is not None and candidate.profile and candidate.profile.mfa_bind_required:
            may_bind = candidate.preference.allow_user_to_manage_mfa_devices
            ticket = self._issue(user, "bind", moment) if may_bind else ""
            return replace(_short_of_session(candidate, "MFABindRequired"), ticket=ticket)
        return self._complete(candidate, moment, mfa_verified=False)

    def confirm_mfa(
        self, ticket: str, code: str, *, source_ip: str, now: datetime | None = None
    ) -> SignInResult:
        """The second step of a sign-in that ended in ``MFARequired``: the current code of the
        user's device. A wrong code counts towards the lockout and leaves the ticket usable
        until it expires; a right one spends it."""
        moment = self._clock() if now is None else now
        opened = self._open(ticket, "mfa", moment)
        candidate = None if opened is None else self._ticket_candidate(opened)
        if opened is None or candidate is None or candidate.device is None:
            return SignInResult("SignInExpired")
        if candidate.device.serial_number != opened.serial_number:
            return SignInResult("SignInExpired")
        refusal = self._refusal(candidate, opened, source_ip, moment)
        if refusal is not None:
            return refusal
        if not self._accept_code(candidate.device, code, moment):
            self._failures.record(_key(opened), moment)
            return replace(_short_of_session(candidate, "InvalidMFACode"), ticket=ticket)
        if not self._spent.spend(opened, moment):
            return SignInResult("SignInExpired")
        self._failures.clear(_key(opened))
        return self._complete(candidate, moment, mfa_verified=True)

    def begin_mfa_binding(self, ticket: str, *, now: datetime | None = None) -> MfaEnrolment | None:
        """A new seed for the user of an ``MFABindRequired`` ticket, and the ticket that binds
        it; ``None`` when the ticket is expired, spent or no longer fits the user. Nothing is
        stored until :meth:`confirm_mfa_binding` succeeds, so an abandoned attempt leaves no
        device behind."""
        moment = self._clock() if now is None else now
        opened = self._open(ticket, "bind", moment)
        candidate = None if opened is None else self._ticket_candidate(opened)
        if opened is None or candidate is None or not _may_bind(candidate):
            return None
        seed = new_seed()
        label = f"{opened.user_name}@{opened.account_id}"
        # The new ticket keeps the password's expiry: asking for new seeds buys no time.
        begun = replace(opened, ticket_id=secrets.token_urlsafe(16), seed=encode_base32_seed(seed))
        self._spent.spend(opened, moment)
        return MfaEnrolment(
            ticket=self._seal(begun),
            label=label,
            base32_seed=begun.seed,
            qr_code_png=qr_code_png(otpauth_uri(seed, issuer=ISSUER, account=label)),
        )

    def confirm_mfa_binding(
        self, ticket: str, first: str, second: str, *, source_ip: str, now: datetime | None = None
    ) -> SignInResult:
        """Bind the device begun with :meth:`begin_mfa_binding` to its user, given two
        consecutive codes of it (as ``BindMFADevice`` asks), and complete the sign-in. Wrong
        codes count towards the lockout and leave the ticket usable until it expires."""
        moment = self._clock() if now is None else now
        opened = self._open(ticket, "bind", moment)
        candidate = None if opened is None else self._ticket_candidate(opened)
        if opened is None or not opened.seed or candidate is None or not _may_bind(candidate):
            return SignInResult("SignInExpired")
        refusal = self._refusal(candidate, opened, source_ip, moment)
        if refusal is not None:
            return refusal
        seed = decode_base32_seed(opened.seed)
        step = verify_consecutive_codes(seed, first, second, moment)
        if step is None:
            self._failures.record(_key(opened), moment)
            return replace(_short_of_session(candidate, "InvalidMFACode"), ticket=ticket)
        if not self._spent.spend(opened, moment):
            return SignInResult("SignInExpired")
        device = self._bind_new_device(opened, seed, moment)
        with self._steps_lock:
            # The second code was just used: it must not also open a session elsewhere.
            self._used_steps[device.serial_number] = step
        self._failures.clear(_key(opened))
        bound = replace(candidate, device=device)
        return self._complete(bound, moment, mfa_verified=True)

    def _complete(
        self, candidate: _Candidate, moment: datetime, *, mfa_verified: bool
    ) -> SignInResult:
        """Every factor was right: what the password still asks for, or the session."""
        pending = _password_outcome(candidate, moment)
        if pending is not None:
            return _short_of_session(candidate, pending)
        found, user = candidate.account, candidate.user
        if found is None:
            raise RuntimeError("a sign-in completes only for an account that exists")
        if user is not None:
            with self._store.transaction() as tx:
                tx.users.record_login(user.user_id, moment)
        hours = timedelta(hours=candidate.preference.login_session_duration)
        return SignInResult(
            "SignedIn",
            found.account_id,
            user,
            root_arn(found.account_id) if user is None else user.arn,
            hours,
            mfa_verified=mfa_verified,
        )

    def _refusal(
        self, candidate: _Candidate, ticket: _Ticket, source_ip: str, moment: datetime
    ) -> SignInResult | None:
        """What stops a ticket's step before its codes are looked at: the lockout, the
        networks the user may sign in from (either may have changed since the password)."""
        limit = candidate.policy.max_login_attempts
        if limit and self._failures.count(_key(ticket), candidate.since(moment)) >= limit:
            self._spent.spend(ticket, moment)
            return SignInResult("Locked")
        if not candidate.preference.allows_source_ip(source_ip):
            return SignInResult("NetworkDenied", account_id=ticket.account_id)
        return None

    def _bind_new_device(self, ticket: _Ticket, seed: bytes, moment: datetime) -> VirtualMfaDevice:
        """Create a device named after the user (or, if that name is taken, with a random
        suffix) and bind it, in one transaction."""
        with self._store.transaction() as tx:
            name = ticket.user_name
            taken = {d.device_name.lower() for d in tx.mfa_devices.list(ticket.account_id)}
            if name.lower() in taken:
                name = f"{name[:55]}-{secrets.token_hex(4)}"
            serial_number = mfa_arn(ticket.account_id, name)
            sealed = seal_seed(self._master_key, serial_number, seed)
            device = tx.mfa_devices.create(
                ticket.account_id, device_name=name, sealed_seed=sealed, now=moment
            )
            tx.mfa_devices.bind(device.serial_number, ticket.user_id, now=moment)
        return replace(device, user_id=ticket.user_id, enabled_at=moment)

    def _issue(
        self, user: User, purpose: TicketPurpose, moment: datetime, serial_number: str = ""
    ) -> str:
        ticket = _Ticket(
            purpose=purpose,
            ticket_id=secrets.token_urlsafe(16),
            account_id=user.account_id,
            user_id=user.user_id,
            user_name=user.user_name,
            issued_at=moment.timestamp(),
            expires_at=(moment + TICKET_LIFETIME).timestamp(),
            serial_number=serial_number,
        )
        return self._seal(ticket)

    def _seal(self, ticket: _Ticket) -> str:
        return self._master_key.seal(json.dumps(asdict(ticket)), TICKET_CONTEXT)

    def _open(self, sealed: str, purpose: TicketPurpose, moment: datetime) -> _Ticket | None:
        """The ticket in ``sealed`` if it is genuine, for ``purpose``, unexpired and unspent."""
        if not sealed:
            return None
        try:
            ticket = _Ticket(**json.loads(self._master_key.unseal(sealed, TICKET_CONTEXT)))
        except (UnsealError, ValueError, TypeError):
            return None
        if ticket.purpose != purpose or moment.timestamp() >= ticket.expires_at:
            return None
        return None if self._spent.is_spent(ticket) else ticket

    def _ticket_candidate(self, ticket: _Ticket) -> _Candidate | None:
        """The ticket's user as the store knows it now; ``None`` if the user is gone, or its
        password was set again since the ticket was issued (the password it vouches for may
        no longer be the password)."""
        with self._store.read() as tx:
            user = tx.users.get_by_id(ticket.user_id)
            if user is None or user.account_id != ticket.account_id:
                return None
            candidate = self._candidate(tx, ticket.account_id, user.user_name)
        profile = candidate.profile
        if profile is None or profile.updated_at.timestamp() > ticket.issued_at:
            return None
        return candidate

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


def _key(ticket: _Ticket) -> AttemptKey:
    """The name a ticket's failures count under: the same as its password's."""
    return ticket.account_id, ticket.user_name.lower()


def _may_bind(candidate: _Candidate) -> bool:
    """Whether the user may still bind a device itself: it has none, and the security
    preference lets users manage their MFA devices."""
    return candidate.device is None and candidate.preference.allow_user_to_manage_mfa_devices


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


def _short_of_session(candidate: _Candidate, outcome: SignInOutcome) -> SignInResult:
    """The person the password named, an outcome short of a session."""
    found, user = candidate.account, candidate.user
    account_id = None if found is None else found.account_id
    arn = None
    if found is not None:
        arn = root_arn(found.account_id) if user is None else user.arn
    return SignInResult(outcome, account_id, user, arn)
