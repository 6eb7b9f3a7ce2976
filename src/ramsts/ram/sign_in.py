"""Console sign-in: an account's root with the account password, or a RAM user with its login
profile, then the MFA code of the user's device. The web console calls :meth:`SignInService.
sign_in` and acts on the :class:`~ramsts.ram.sign_in_results.SignInResult` (ask for a code, ask
for a new password, …).

Rules, as the account's password policy and security preference say:

* ``MaxLoginAttemps`` wrong passwords or MFA codes of a name from one source within an hour lock
  that name from that source (``Locked``); ten times as many from anywhere lock it for every
  source it has not signed in from lately (:mod:`ramsts.ram.sign_in_failures`). A lock ends
  when the failures that caused it are an hour old, or an administrator sets a new password.
  Names that do not exist are counted and locked alike, so locking reveals nothing about which
  users exist.
* A RAM user signs in only from ``LoginNetworkMasks`` (when set); the root is not restricted.
* A user with a bound device must give its current code (``MFARequired`` until it does), unless
  the browser passed that device's check within seven days and ``EnableSaveMFATicket`` lets it
  remember that (:mod:`ramsts.ram.sign_in_remembered`; the session is then not MFA-verified,
  ``acs:MFAPresent`` false, since no code was given in it); a user
  with ``MFABindRequired`` and no device must bind one first (``MFABindRequired``), which it
  may do itself during sign-in when ``AllowUserToManageMFADevices`` says so.
* ``PasswordResetRequired``, or a password older than ``MaxPasswordAge`` days, ends in
  ``PasswordChangeRequired``; with ``HardExpiry`` an expired password ends in
  ``PasswordExpired`` (only an administrator's reset helps).
* An unknown account or user, or one without a password, costs one argon2 verification against
  a dummy hash, so the answer takes as long as for a real user with a wrong password.

A completed sign-in carries the fingerprint of the password hash it was checked against and
the session's length (the preference's LoginSessionDuration for a RAM user, a fixed six hours for
the root); :mod:`ramsts.ram.sign_in_sessions` holds the session to both on every request.

The password is checked once; what the MFA steps need to know about it travels in a sealed,
single-use ticket (:mod:`ramsts.ram.sign_in_tickets`), so the console never keeps the password
between steps.

Failed attempts (:mod:`ramsts.ram.sign_in_failures`), spent tickets and the last time step an
MFA code was accepted for live in the store, so they hold across server processes and restarts.
The age of a RAM user's password is measured from its login profile's last update, the closest
the store records.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from ramsts.crypto import MasterKey, hash_password, verify_password
from ramsts.ram.arns import root_arn
from ramsts.ram.mfa import ISSUER, mfa_arn, qr_code_png, seal_seed, unseal_seed
from ramsts.ram.passwords import PasswordPolicy, password_policy
from ramsts.ram.security_preference import SecurityPreference, security_preference
from ramsts.ram.sign_in_failures import LOCKOUT_WINDOW, Attempt, AttemptKey, FailedSignIns
from ramsts.ram.sign_in_remembered import RememberedDevices
from ramsts.ram.sign_in_results import MfaEnrolment, SignInOutcome, SignInResult
from ramsts.ram.sign_in_sessions import ROOT_SESSION_DURATION, credential_fingerprint
from ramsts.ram.sign_in_tickets import SignInTickets, Ticket
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

__all__ = ["MfaEnrolment", "SignInOutcome", "SignInResult", "SignInService"]


@cache
def _dummy_hash() -> str:
    # Made once per process with this process's argon2 parameters, so its cost is a real one's.
    return hash_password(Secret("ramsts dummy password that matches nothing"))


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
    """Checks console sign-ins. What it remembers between requests is in the store, so any
    number of instances (one per server process) over one database agree."""

    def __init__(self, store: Store, master_key: MasterKey, *, clock: Clock = system_clock):
        self._store = store
        self._master_key = master_key
        self._clock = clock
        self._failures = FailedSignIns(store)
        self._tickets = SignInTickets(store, master_key)
        self._remembered = RememberedDevices(master_key)

    def sign_in(
        self,
        account: str,
        user_name: str | None,
        password: Secret,
        *,
        source_ip: str,
        remembered_mfa: str = "",
        now: datetime | None = None,
    ) -> SignInResult:
        """Sign in to ``account`` (its AccountId or alias) as ``user_name``, or as the root when
        ``user_name`` is ``None``. ``remembered_mfa``: what the browser kept of an earlier MFA
        check (:meth:`confirm_mfa` with ``remember``), which spares the code while the security
        preference's ``EnableSaveMFATicket`` allows."""
        moment = self._clock() if now is None else now
        with self._store.read() as tx:
            candidate = self._candidate(tx, account.strip(), user_name)
        found = candidate.account
        key: AttemptKey = (
            found.account_id if found else account.strip().lower(),
            None if user_name is None else user_name.lower(),
        )
        limit = candidate.policy.max_login_attempts
        attempt = self._failures.begin(
            key, source_ip=source_ip, limit=limit, since=candidate.since(moment), now=moment
        )
        if attempt is None:
            return SignInResult("Locked")
        stored_hash = candidate.password_hash
        matched = verify_password(stored_hash or _dummy_hash(), password)
        if found is None or stored_hash is None or not matched:
            return SignInResult("InvalidCredentials")  # the attempt stays counted
        user = candidate.user
        if user is not None and not candidate.preference.allows_source_ip(source_ip):
            self._failures.forget(attempt)
            return SignInResult("NetworkDenied", account_id=found.account_id)
        if user is not None and candidate.device is not None:
            if self._remembers(remembered_mfa, candidate, moment):
                self._failures.succeeded(attempt, moment)
                return self._complete(candidate, moment, mfa_verified=False)
            # Earlier failures stay counted: the right password alone must not buy more
            # guesses at the code.
            self._failures.forget(attempt)
            ticket = self._tickets.issue(user, "mfa", moment, candidate.device.serial_number)
            return replace(
                _short_of_session(candidate, "MFARequired"),
                ticket=ticket,
                may_remember_mfa=candidate.preference.enable_save_mfa_ticket,
            )
        self._failures.succeeded(attempt, moment)
        if user is not None and candidate.profile and candidate.profile.mfa_bind_required:
            may_bind = candidate.preference.allow_user_to_manage_mfa_devices
            ticket = self._tickets.issue(user, "bind", moment) if may_bind else ""
            return replace(_short_of_session(candidate, "MFABindRequired"), ticket=ticket)
        return self._complete(candidate, moment, mfa_verified=False)

    def confirm_mfa(
        self,
        ticket: str,
        code: str,
        *,
        source_ip: str,
        remember: bool = False,
        now: datetime | None = None,
    ) -> SignInResult:
        """The second step of a sign-in that ended in ``MFARequired``: the current code of the
        user's device. A wrong code counts towards the lockout and leaves the ticket usable
        until it expires; a right one spends it. With ``remember``, and the security
        preference's ``EnableSaveMFATicket`` on, a signed-in result carries the token that
        lets this browser skip the code for seven days."""
        moment = self._clock() if now is None else now
        opened = self._tickets.open(ticket, "mfa", moment)
        candidate = None if opened is None else self._ticket_candidate(opened)
        if opened is None or candidate is None or candidate.device is None:
            return SignInResult("SignInExpired")
        if candidate.device.serial_number != opened.serial_number:
            return SignInResult("SignInExpired")
        attempt = self._begin_step(candidate, opened, source_ip, moment)
        if isinstance(attempt, SignInResult):
            return attempt
        if not self._accept_code(candidate.device, code, moment):
            return replace(_short_of_session(candidate, "InvalidMFACode"), ticket=ticket)
        if not self._tickets.spend(opened):
            self._failures.forget(attempt)
            return SignInResult("SignInExpired")
        self._failures.succeeded(attempt, moment)
        result = self._complete(candidate, moment, mfa_verified=True)
        user, profile, device = candidate.user, candidate.profile, candidate.device
        may_remember = remember and candidate.preference.enable_save_mfa_ticket
        if may_remember and result.signed_in and user is not None and profile is not None:
            token = self._remembered.remember(user, profile, device, moment)
            result = replace(result, remembered_mfa=token)
        return result

    def begin_mfa_binding(self, ticket: str, *, now: datetime | None = None) -> MfaEnrolment | None:
        """A new seed for the user of an ``MFABindRequired`` ticket, and the ticket that binds
        it; ``None`` when the ticket is expired, spent or no longer fits the user. Nothing is
        stored until :meth:`confirm_mfa_binding` succeeds, so an abandoned attempt leaves no
        device behind."""
        moment = self._clock() if now is None else now
        opened = self._tickets.open(ticket, "bind", moment)
        candidate = None if opened is None else self._ticket_candidate(opened)
        if opened is None or candidate is None or not _may_bind(candidate):
            return None
        if not self._tickets.spend(opened):
            return None
        seed = new_seed()
        label = f"{opened.user_name}@{opened.account_id}"
        begun = self._tickets.with_seed(opened, encode_base32_seed(seed))
        return MfaEnrolment(
            ticket=self._tickets.seal(begun),
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
        opened = self._tickets.open(ticket, "bind", moment)
        candidate = None if opened is None else self._ticket_candidate(opened)
        if opened is None or not opened.seed or candidate is None or not _may_bind(candidate):
            return SignInResult("SignInExpired")
        attempt = self._begin_step(candidate, opened, source_ip, moment)
        if isinstance(attempt, SignInResult):
            return attempt
        seed = decode_base32_seed(opened.seed)
        step = verify_consecutive_codes(seed, first, second, moment)
        if step is None:
            return replace(_short_of_session(candidate, "InvalidMFACode"), ticket=ticket)
        if not self._tickets.spend(opened):
            self._failures.forget(attempt)
            return SignInResult("SignInExpired")
        device = self._bind_new_device(opened, seed, step, moment)
        self._failures.succeeded(attempt, moment)
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
        lifetime = (
            ROOT_SESSION_DURATION
            if user is None
            else timedelta(hours=candidate.preference.login_session_duration)
        )
        return SignInResult(
            "SignedIn",
            found.account_id,
            user,
            root_arn(found.account_id) if user is None else user.arn,
            lifetime,
            mfa_verified=mfa_verified,
            credential=credential_fingerprint(candidate.password_hash or ""),
        )

    def _begin_step(
        self, candidate: _Candidate, ticket: Ticket, source_ip: str, moment: datetime
    ) -> Attempt | SignInResult:
        """What stops a ticket's step before its codes are looked at: the lockout (which spends
        the ticket), the networks the user may sign in from (either may have changed since the
        password). Otherwise the step's attempt, counted as failed until its codes prove
        right."""
        attempt = self._failures.begin(
            _key(ticket),
            source_ip=source_ip,
            limit=candidate.policy.max_login_attempts,
            since=candidate.since(moment),
            now=moment,
        )
        if attempt is None:
            self._tickets.spend(ticket)
            return SignInResult("Locked")
        if not candidate.preference.allows_source_ip(source_ip):
            self._failures.forget(attempt)
            return SignInResult("NetworkDenied", account_id=ticket.account_id)
        return attempt

    def _bind_new_device(
        self, ticket: Ticket, seed: bytes, step: int, moment: datetime
    ) -> VirtualMfaDevice:
        """Create a device named after the user (or, if that name is taken, with a random
        suffix) and bind it, in one transaction. ``step``, the time step of the second code,
        counts as used: that code must not also open a session elsewhere."""
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
            tx.sign_ins.use_mfa_step(device.serial_number, step)
        return replace(device, user_id=ticket.user_id, enabled_at=moment)

    def _ticket_candidate(self, ticket: Ticket) -> _Candidate | None:
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

    def _remembers(self, sealed: str, candidate: _Candidate, moment: datetime) -> bool:
        """Whether the browser's ``sealed`` token spares this sign-in the MFA code."""
        user, profile, device = candidate.user, candidate.profile, candidate.device
        if user is None or profile is None or device is None:
            return False
        if not candidate.preference.enable_save_mfa_ticket:
            return False
        return self._remembered.recognises(sealed, user, profile, device, moment)

    def _accept_code(self, device: VirtualMfaDevice, code: str, moment: datetime) -> bool:
        """A valid code of a time step later than the last one accepted for this device, so
        that a code seen over someone's shoulder cannot be used a second time (by any process)."""
        step = verify_code(unseal_seed(self._master_key, device), code, moment)
        if step is None:
            return False
        with self._store.transaction() as tx:
            return tx.sign_ins.use_mfa_step(device.serial_number, step)


def _key(ticket: Ticket) -> AttemptKey:
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
