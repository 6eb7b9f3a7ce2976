"""Console sign-in served by several processes (``ramsts serve --workers N``): each builds its own
:class:`SignInService` over its own store on one database, and they must act as one. The lockout
counts every process's failures, a ticket is spent once whichever process spends it, an MFA
code opens one session, and attempts being checked at once cannot outnumber the limit.

Here two services over two stores opened on the same URL stand for two worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.crypto import hash_password
from ramsts.ram import sign_in
from ramsts.ram.service import RamService
from ramsts.ram.sign_in import SignInService
from ramsts.ram.sign_in_failures import LOCKOUT_WINDOW, PURGE_ONE_IN, FailedSignIns, stored_key
from ramsts.ram.totp import decode_base32_seed, totp
from ramsts.ram.wire import login_profiles, mfa, passwords, security_preference
from ramsts.store import Account, Store, User, open_store
from ramsts.types import Secret

ROOT_PASSWORD = "Root-Password-1"
PASSWORD = "Alice-Password-1"
WRONG = "Wrong-Password-1"
INSIDE = "10.1.2.3"


@pytest.fixture
def actions(ram_actions: Any, ram: RamService) -> Any:
    for module in (login_profiles, passwords, security_preference, mfa):
        module.register(ram_actions, ram)
    return ram_actions


@pytest.fixture
def alice_profile(
    actions: Any, ram: RamService, root: Caller, account: Account, alice: User
) -> User:
    with ram.store.transaction() as tx:
        tx.accounts.set_root_password(account.account_id, hash_password(Secret(ROOT_PASSWORD)))
        tx.accounts.set_alias(account.account_id, "acme-corp")
    actions.call(root, "CreateLoginProfile", UserName="alice", Password=PASSWORD)
    return alice


@pytest.fixture
def first(ram: RamService, clock: Any) -> SignInService:
    return SignInService(ram.store, ram.master_key, clock=clock)


@pytest.fixture
def other_store(db_url: str, store: Store) -> Iterator[Store]:
    opened = open_store(db_url)
    yield opened
    opened.dispose()


@pytest.fixture
def second(other_store: Store, ram: RamService, clock: Any) -> SignInService:
    """Another worker: its own store on the same database, the same master key."""
    return SignInService(other_store, ram.master_key, clock=clock)


def sign_in_alice(service: SignInService, password: str = PASSWORD) -> str:
    return service.sign_in("acme-corp", "alice", Secret(password), source_ip=INSIDE).outcome


def bind_device(actions: Any, root: Caller, clock: Any) -> bytes:
    """An administrator binds a device to alice; the clock then moves past the codes it used."""
    device = actions.call(root, "CreateVirtualMFADevice", VirtualMFADeviceName="alice-phone")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    seed = decode_base32_seed(device["VirtualMFADevice"]["Base32StringSeed"])
    actions.call(
        root,
        "BindMFADevice",
        SerialNumber=serial,
        UserName="alice",
        AuthenticationCode1=totp(seed, clock.now - timedelta(seconds=30)),
        AuthenticationCode2=totp(seed, clock.now),
    )
    clock.advance(30)
    return seed


def test_failures_on_every_process_count_towards_one_lockout(
    first: SignInService,
    second: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="3")
    for service in (first, second, first):
        assert sign_in_alice(service, WRONG) == "InvalidCredentials"
        clock.advance(60)
    assert sign_in_alice(second) == "Locked"
    assert sign_in_alice(first) == "Locked"
    clock.advance(LOCKOUT_WINDOW.total_seconds())
    assert sign_in_alice(second) == "SignedIn"


def test_a_new_service_over_the_database_remembers_the_failures(
    ram: RamService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="2")
    for _ in range(2):
        sign_in_alice(SignInService(ram.store, ram.master_key, clock=clock), WRONG)
    restarted = SignInService(ram.store, ram.master_key, clock=clock)
    assert sign_in_alice(restarted) == "Locked"


def test_a_sign_in_on_one_process_clears_the_count_on_all(
    first: SignInService,
    second: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="2")
    sign_in_alice(first, WRONG)
    assert sign_in_alice(second) == "SignedIn"
    sign_in_alice(first, WRONG)
    assert sign_in_alice(first) == "SignedIn"


def test_an_attempt_being_checked_counts_against_one_that_starts_meanwhile(
    first: SignInService,
    second: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With one attempt allowed, a guess arriving on another worker while the first attempt's
    # password is being verified is refused without a check of its own.
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="1")
    meanwhile: list[str] = []
    real = sign_in.verify_password

    def verify_while_another_arrives(password_hash: str, candidate: Secret) -> bool:
        if not meanwhile:
            meanwhile.append("started")
            meanwhile[0] = sign_in_alice(second, WRONG)
        return real(password_hash, candidate)

    monkeypatch.setattr(sign_in, "verify_password", verify_while_another_arrives)
    assert sign_in_alice(first) == "SignedIn"
    assert meanwhile == ["Locked"]
    # The refused guess was not counted, and the sign-in cleared what was.
    assert sign_in_alice(second) == "SignedIn"


def test_a_ticket_spent_on_one_process_is_refused_on_another(
    first: SignInService,
    second: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
) -> None:
    seed = bind_device(actions, root, clock)
    asked = first.sign_in("acme-corp", "alice", Secret(PASSWORD), source_ip=INSIDE)
    assert asked.outcome == "MFARequired"
    assert second.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE).signed_in
    clock.advance(30)
    replayed = first.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE)
    assert replayed.outcome == "SignInExpired"


def test_an_mfa_code_opens_one_session_across_processes(
    first: SignInService,
    second: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
) -> None:
    seed = bind_device(actions, root, clock)
    code = totp(seed, clock.now)
    tickets = [
        service.sign_in("acme-corp", "alice", Secret(PASSWORD), source_ip=INSIDE).ticket
        for service in (first, second)
    ]
    assert first.confirm_mfa(tickets[0], code, source_ip=INSIDE).signed_in
    assert second.confirm_mfa(tickets[1], code, source_ip=INSIDE).outcome == "InvalidMFACode"
    # Nor does the code of the step before, seen earlier, still within the drift allowed.
    earlier = totp(seed, clock.now - timedelta(seconds=30))
    assert second.confirm_mfa(tickets[1], earlier, source_ip=INSIDE).outcome == "InvalidMFACode"


def test_binding_a_device_at_sign_in_spends_its_tickets_on_every_process(
    first: SignInService,
    second: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
) -> None:
    actions.call(root, "UpdateLoginProfile", UserName="alice", MFABindRequired="true")
    ticket = first.sign_in("acme-corp", "alice", Secret(PASSWORD), source_ip=INSIDE).ticket
    enrolment = first.begin_mfa_binding(ticket)
    assert enrolment is not None
    assert second.begin_mfa_binding(ticket) is None
    seed = decode_base32_seed(enrolment.base32_seed)
    codes = totp(seed, clock.now - timedelta(seconds=30)), totp(seed, clock.now)
    assert second.confirm_mfa_binding(enrolment.ticket, *codes, source_ip=INSIDE).signed_in
    again = first.confirm_mfa_binding(enrolment.ticket, *codes, source_ip=INSIDE)
    assert again.outcome == "SignInExpired"
    # The second code was used by the binding: it opens no session on any process.
    asked = first.sign_in("acme-corp", "alice", Secret(PASSWORD), source_ip=INSIDE)
    assert first.confirm_mfa(asked.ticket, codes[1], source_ip=INSIDE).outcome == "InvalidMFACode"


def test_failures_older_than_the_window_are_deleted_now_and_then(store: Store, clock: Any) -> None:
    failures = FailedSignIns(store)
    old, recent = ("acme", "old"), ("acme", "recent")
    window = {"limit": 0, "since": clock.now - timedelta(days=1), "source_ip": INSIDE}
    failures.begin(old, now=clock.now - LOCKOUT_WINDOW - timedelta(seconds=1), **window)
    for _ in range(PURGE_ONE_IN - 2):
        failures.begin(recent, now=clock.now, **window)
    assert failures.count(old, clock.now - timedelta(days=1)) == 1
    failures.begin(recent, now=clock.now, **window)
    assert failures.count(old, clock.now - timedelta(days=1)) == 0
    assert failures.count(recent, clock.now - timedelta(days=1)) == PURGE_ONE_IN - 1
    with store.read() as tx:
        assert tx.sign_ins.count_failures(stored_key(old), since=clock.now - timedelta(days=1)) == 0
