"""Console sign-in as the console will call it: roots and RAM users, lockout, network masks, MFA
codes through single-use tickets, binding a device at sign-in, required and expired passwords,
and the same work for names that do not exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.crypto import hash_password
from ramsts.ram import sign_in
from ramsts.ram.passwords import change_password
from ramsts.ram.service import RamService
from ramsts.ram.sign_in import SignInResult, SignInService
from ramsts.ram.sign_in_tickets import TICKET_CONTEXT
from ramsts.ram.totp import decode_base32_seed, totp
from ramsts.ram.wire import login_profiles, mfa, passwords, security_preference
from ramsts.store import Account, User
from ramsts.types import Secret

ROOT_PASSWORD = "Root-Password-1"
PASSWORD = "Alice-Password-1"
INSIDE = "10.1.2.3"
OUTSIDE = "203.0.113.5"


@pytest.fixture
def actions(ram_actions: Any, ram: RamService) -> Any:
    for module in (login_profiles, passwords, security_preference, mfa):
        module.register(ram_actions, ram)
    return ram_actions


@pytest.fixture
def service(ram: RamService, clock: Any) -> SignInService:
    return SignInService(ram.store, ram.master_key, clock=clock)


@pytest.fixture
def acme(ram: RamService, account: Account) -> Account:
    """The account, with a root password and the alias ``acme-corp``."""
    with ram.store.transaction() as tx:
        tx.accounts.set_root_password(account.account_id, hash_password(Secret(ROOT_PASSWORD)))
        tx.accounts.set_alias(account.account_id, "acme-corp")
    return account


@pytest.fixture
def alice_profile(actions: Any, root: Caller, acme: Account, alice: User) -> User:
    actions.call(root, "CreateLoginProfile", UserName="alice", Password=PASSWORD)
    return alice


def sign_in_alice(
    service: SignInService, password: str = PASSWORD, ip: str = INSIDE
) -> SignInResult:
    return service.sign_in("acme-corp", "alice", Secret(password), source_ip=ip)


def sign_in_alice_with_code(service: SignInService, code: str) -> SignInResult:
    """The password step, then the code with the ticket it gave."""
    asked = sign_in_alice(service)
    if asked.outcome != "MFARequired":
        return asked
    return service.confirm_mfa(asked.ticket, code, source_ip=INSIDE)


def bind_device(actions: Any, root: Caller, clock: Any) -> bytes:
    device = actions.call(root, "CreateVirtualMFADevice", VirtualMFADeviceName="alice-phone")
    serial = device["VirtualMFADevice"]["SerialNumber"]
    seed = decode_base32_seed(device["VirtualMFADevice"]["Base32StringSeed"])
    clock.advance(-30)
    first = totp(seed, clock.now)
    clock.advance(30)
    actions.call(
        root,
        "BindMFADevice",
        SerialNumber=serial,
        UserName="alice",
        AuthenticationCode1=first,
        AuthenticationCode2=totp(seed, clock.now),
    )
    clock.advance(30)  # the bind used the current code; sign in with the next one
    return seed


def wrong_code(seed: bytes, clock: Any) -> str:
    """Six digits that are none of the codes accepted now (this step and one either side)."""
    accepted = {totp(seed, clock.now + timedelta(seconds=drift)) for drift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def test_the_root_signs_in_with_the_account_id_or_its_alias(
    service: SignInService, acme: Account
) -> None:
    for name in (acme.account_id, "acme-corp", "ACME-CORP"):
        result = service.sign_in(name, None, Secret(ROOT_PASSWORD), source_ip=OUTSIDE)
        assert result.signed_in
        assert (result.account_id, result.user, result.principal_arn) == (
            acme.account_id,
            None,
            acme.root_arn,
        )
        assert result.session_duration == timedelta(hours=6)
        assert ROOT_PASSWORD not in repr(result)


def test_a_ram_user_signs_in_with_its_login_profile_and_its_login_is_recorded(
    service: SignInService, ram: RamService, alice_profile: User, clock: Any
) -> None:
    clock.advance(60)
    result = sign_in_alice(service)
    assert result.outcome == "SignedIn"
    assert result.user is not None
    assert (result.user.user_id, result.principal_arn) == (alice_profile.user_id, alice_profile.arn)
    with ram.store.read() as tx:
        user = tx.users.get_by_id(alice_profile.user_id)
    assert user is not None
    assert user.last_login_at == clock.now


def test_the_session_lasts_as_long_as_the_security_preference_says(
    service: SignInService, actions: Any, root: Caller, alice_profile: User
) -> None:
    actions.call(root, "SetSecurityPreference", LoginSessionDuration="12")
    assert sign_in_alice(service).session_duration == timedelta(hours=12)


@pytest.mark.parametrize(
    ("account_name", "user_name", "password"),
    [
        ("acme-corp", "alice", "Wrong-Password-1"),
        ("acme-corp", None, "Wrong-Password-1"),
        ("acme-corp", "nobody", PASSWORD),
        ("acme-corp", "bob", PASSWORD),  # a user without a login profile
        ("no-such-alias", "alice", PASSWORD),
        ("9999999999999999", None, ROOT_PASSWORD),
    ],
)
def test_wrong_or_unknown_credentials_all_look_the_same(
    service: SignInService,
    alice_profile: User,
    make_user: Any,
    account_name: str,
    user_name: str | None,
    password: str,
) -> None:
    make_user("bob")
    result = service.sign_in(account_name, user_name, Secret(password), source_ip=INSIDE)
    assert (result.outcome, result.account_id, result.user) == ("InvalidCredentials", None, None)
    assert result.message == "The account, user name or password is not correct."


def test_unknown_names_cost_one_password_verification_like_real_ones(
    service: SignInService, alice_profile: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real = sign_in.verify_password

    def counting(password_hash: str, candidate: Secret) -> bool:
        verified.append(password_hash)
        return real(password_hash, candidate)

    monkeypatch.setattr(sign_in, "verify_password", counting)
    for account, user_name in (("acme-corp", "alice"), ("acme-corp", "nobody"), ("nope", "x")):
        service.sign_in(account, user_name, Secret("Wrong-1"), source_ip=INSIDE)
    assert len(verified) == 3
    assert all(password_hash.startswith("$argon2id$") for password_hash in verified)


def test_too_many_wrong_passwords_lock_the_name_for_an_hour(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="3")
    for _ in range(3):
        assert sign_in_alice(service, "Wrong-Password-1").outcome == "InvalidCredentials"
        clock.advance(60)
    locked = sign_in_alice(service)
    assert locked.outcome == "Locked"
    assert not locked.signed_in
    clock.advance(3600)
    assert sign_in_alice(service).signed_in


def test_unknown_users_lock_alike_so_locking_reveals_nothing(
    service: SignInService, actions: Any, root: Caller, acme: Account
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="2")
    outcomes = [
        service.sign_in("acme-corp", "ghost", Secret(PASSWORD), source_ip=INSIDE).outcome
        for _ in range(3)
    ]
    assert outcomes == ["InvalidCredentials", "InvalidCredentials", "Locked"]


@pytest.mark.parametrize("user_name", ["alice", "ghost"])
def test_the_account_id_and_its_alias_share_one_count(
    service: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    acme: Account,
    user_name: str,
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="2")
    for account_name in (acme.account_id, "acme-corp"):
        service.sign_in(account_name, user_name, Secret("Wrong-1"), source_ip=INSIDE)
    result = service.sign_in("ACME-corp", user_name, Secret(PASSWORD), source_ip=INSIDE)
    assert (result.outcome, result.account_id) == ("Locked", None)


def test_a_new_password_set_by_an_administrator_unlocks(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="1")
    sign_in_alice(service, "Wrong-Password-1")
    assert sign_in_alice(service).outcome == "Locked"
    clock.advance(1)
    actions.call(root, "UpdateLoginProfile", UserName="alice", Password="Reset-Password-2")
    assert sign_in_alice(service, "Reset-Password-2").signed_in


def test_max_login_attempts_zero_never_locks(
    service: SignInService, actions: Any, root: Caller, alice_profile: User
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="0")
    for _ in range(8):
        sign_in_alice(service, "Wrong-Password-1")
    assert sign_in_alice(service).signed_in


def test_network_masks_restrict_ram_users_but_not_the_root(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, acme: Account
) -> None:
    actions.call(root, "SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8")
    outside = sign_in_alice(service, ip=OUTSIDE)
    assert (outside.outcome, outside.user) == ("NetworkDenied", None)
    assert sign_in_alice(service, "Wrong-Password-1", ip=OUTSIDE).outcome == "InvalidCredentials"
    assert sign_in_alice(service, ip=INSIDE).signed_in
    root_result = service.sign_in("acme-corp", None, Secret(ROOT_PASSWORD), source_ip=OUTSIDE)
    assert root_result.signed_in


def test_a_user_with_a_device_must_give_its_current_code(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    asked = sign_in_alice(service)
    assert (asked.outcome, asked.signed_in) == ("MFARequired", False)
    assert asked.user is not None and asked.ticket
    wrong = service.confirm_mfa(asked.ticket, wrong_code(seed, clock), source_ip=INSIDE)
    assert (wrong.outcome, wrong.ticket) == ("InvalidMFACode", asked.ticket)
    clock.advance(30)
    passed = service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE)
    assert passed.signed_in
    assert passed.mfa_verified
    assert not sign_in_alice(service).mfa_verified


def test_the_ticket_holds_who_and_until_when_but_not_the_password(
    service: SignInService,
    ram: RamService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
) -> None:
    bind_device(actions, root, clock)
    asked = sign_in_alice(service)
    opened = ram.master_key.unseal(asked.ticket, TICKET_CONTEXT).decode()
    assert PASSWORD not in opened
    assert alice_profile.user_id in opened
    assert PASSWORD not in repr(asked)
    assert asked.ticket not in repr(asked)


def test_a_ticket_is_spent_by_the_code_that_completes_it(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    asked = sign_in_alice(service)
    assert service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE).signed_in
    clock.advance(30)
    again = service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE)
    assert (again.outcome, again.signed_in) == ("SignInExpired", False)


def test_a_ticket_expires_five_minutes_after_the_password(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    asked = sign_in_alice(service)
    clock.advance(300)
    late = service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE)
    assert late.outcome == "SignInExpired"


@pytest.mark.parametrize("forged", ["", "not-a-ticket", "v1.AAAA"])
def test_a_forged_ticket_opens_nothing(
    service: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
    forged: str,
) -> None:
    seed = bind_device(actions, root, clock)
    assert service.confirm_mfa(forged, totp(seed, clock.now), source_ip=INSIDE).outcome == (
        "SignInExpired"
    )


def test_a_password_set_again_voids_the_tickets_issued_before(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    asked = sign_in_alice(service)
    clock.advance(1)
    actions.call(root, "UpdateLoginProfile", UserName="alice", Password="Reset-Password-2")
    voided = service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE)
    assert voided.outcome == "SignInExpired"


def test_the_code_step_is_held_to_the_network_masks_too(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    actions.call(root, "SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8")
    asked = sign_in_alice(service)
    moved = service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=OUTSIDE)
    assert moved.outcome == "NetworkDenied"


def test_an_mfa_code_is_accepted_once(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    code = totp(seed, clock.now)
    assert sign_in_alice_with_code(service, code).signed_in
    assert sign_in_alice_with_code(service, code).outcome == "InvalidMFACode"


def test_wrong_mfa_codes_count_towards_the_lockout(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="2")
    wrong = wrong_code(seed, clock)
    asked = sign_in_alice(service)
    for _ in range(2):
        assert service.confirm_mfa(asked.ticket, wrong, source_ip=INSIDE).outcome == (
            "InvalidMFACode"
        )
    locked = service.confirm_mfa(asked.ticket, totp(seed, clock.now), source_ip=INSIDE)
    assert locked.outcome == "Locked"
    # The right password again buys no new guesses at the code.
    assert sign_in_alice(service).outcome == "Locked"


def test_a_right_password_does_not_clear_wrong_codes(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    seed = bind_device(actions, root, clock)
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="2")
    wrong = wrong_code(seed, clock)
    for _ in range(2):
        assert sign_in_alice_with_code(service, wrong).outcome == "InvalidMFACode"
    assert sign_in_alice(service).outcome == "Locked"


def consecutive_codes(seed: bytes, clock: Any) -> tuple[str, str]:
    return totp(seed, clock.now - timedelta(seconds=30)), totp(seed, clock.now)


def test_a_user_that_must_bind_a_device_binds_one_while_signing_in(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    actions.call(root, "UpdateLoginProfile", UserName="alice", MFABindRequired="true")
    result = sign_in_alice(service)
    assert (result.outcome, result.signed_in) == ("MFABindRequired", False)
    enrolment = service.begin_mfa_binding(result.ticket)
    assert enrolment is not None
    assert enrolment.label.startswith("alice@")
    assert enrolment.base32_seed not in repr(enrolment)
    assert (
        actions.call(root, "ListVirtualMFADevices")["VirtualMFADevices"]["VirtualMFADevice"] == []
    )
    seed = decode_base32_seed(enrolment.base32_seed)
    first, second = consecutive_codes(seed, clock)
    bound = service.confirm_mfa_binding(enrolment.ticket, first, second, source_ip=INSIDE)
    assert (bound.outcome, bound.mfa_verified) == ("SignedIn", True)
    info = actions.call(root, "GetUserMFAInfo", UserName="alice")["MFADevice"]
    assert info["SerialNumber"].endswith(":mfa/alice")
    # The second code opened this session; it opens no other.
    assert sign_in_alice_with_code(service, second).outcome == "InvalidMFACode"
    clock.advance(30)
    assert sign_in_alice_with_code(service, totp(seed, clock.now)).signed_in


def test_wrong_codes_for_a_new_device_bind_nothing_and_count(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    actions.call(root, "UpdateLoginProfile", UserName="alice", MFABindRequired="true")
    actions.call(root, "SetPasswordPolicy", MaxLoginAttemps="1")
    enrolment = service.begin_mfa_binding(sign_in_alice(service).ticket)
    assert enrolment is not None
    seed = decode_base32_seed(enrolment.base32_seed)
    first, second = consecutive_codes(seed, clock)
    wrong = service.confirm_mfa_binding(enrolment.ticket, second, first, source_ip=INSIDE)
    assert wrong.outcome == "InvalidMFACode"
    locked = service.confirm_mfa_binding(enrolment.ticket, first, second, source_ip=INSIDE)
    assert locked.outcome == "Locked"
    assert (
        actions.error(root, "GetUserMFAInfo", UserName="alice") == "EntityNotExist.User.MFADevice"
    )


def test_asking_for_a_new_seed_spends_the_previous_ticket(
    service: SignInService, actions: Any, root: Caller, alice_profile: User, clock: Any
) -> None:
    actions.call(root, "UpdateLoginProfile", UserName="alice", MFABindRequired="true")
    ticket = sign_in_alice(service).ticket
    first = service.begin_mfa_binding(ticket)
    assert first is not None
    assert service.begin_mfa_binding(ticket) is None
    second = service.begin_mfa_binding(first.ticket)
    assert second is not None and second.base32_seed != first.base32_seed
    codes = consecutive_codes(decode_base32_seed(first.base32_seed), clock)
    stale = service.confirm_mfa_binding(first.ticket, *codes, source_ip=INSIDE)
    assert stale.outcome == "SignInExpired"


def test_a_user_binds_its_own_device_only_if_the_preference_allows_it(
    service: SignInService, actions: Any, root: Caller, alice_profile: User
) -> None:
    actions.call(root, "UpdateLoginProfile", UserName="alice", MFABindRequired="true")
    actions.call(root, "SetSecurityPreference", AllowUserToManageMFADevices="false")
    result = sign_in_alice(service)
    assert (result.outcome, result.ticket) == ("MFABindRequired", "")


def test_a_required_reset_asks_for_a_new_password_then_lets_the_user_in(
    service: SignInService,
    ram: RamService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
) -> None:
    actions.call(root, "UpdateLoginProfile", UserName="alice", PasswordResetRequired="true")
    assert sign_in_alice(service).outcome == "PasswordChangeRequired"
    with ram.store.transaction() as tx:
        change_password(
            tx, alice_profile.user_id, Secret(PASSWORD), Secret("Changed-Pass-3"), now=clock.now
        )
    assert sign_in_alice(service, "Changed-Pass-3").signed_in


@pytest.mark.parametrize(
    ("hard_expiry", "outcome"), [("false", "PasswordChangeRequired"), ("true", "PasswordExpired")]
)
def test_a_password_older_than_max_password_age_has_expired(
    service: SignInService,
    actions: Any,
    root: Caller,
    alice_profile: User,
    clock: Any,
    hard_expiry: str,
    outcome: str,
) -> None:
    actions.call(root, "SetPasswordPolicy", MaxPasswordAge="30", HardExpiry=hard_expiry)
    clock.advance(timedelta(days=29).total_seconds())
    assert sign_in_alice(service).signed_in
    clock.advance(timedelta(days=1).total_seconds())
    assert sign_in_alice(service).outcome == outcome
