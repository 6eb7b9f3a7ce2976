"""Authentication of API calls (api.md §2.4, §4, §8.5): who signed a request, and is it fresh.

Runs on both stores (the ``store`` fixture follows ``db_url``)."""

from __future__ import annotations

import json
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from loop_support import on_the_loop
from ramsts.authentication import MAX_CACHE_TTL, Authenticator, Connection, seal_access_key_secret
from ramsts.caching import Caches, RefreshAhead
from ramsts.crypto import MasterKey
from ramsts.errors import AuthenticationError
from ramsts.ram.accounts import AccountService, CreatedAccount
from ramsts.signing import SignedRequest, parse_request, sign_rpc_v1, sign_v3
from ramsts.store import Role, Store
from ramsts.tokens import KeyRing, SessionClaims, TokenKey
from ramsts.types import Secret

ACTION = {"Action": "GetCallerIdentity", "Version": "2015-04-01"}
CONNECTION = Connection(peer_ip="198.51.100.9", secure=True, user_agent="AlibabaCloud test")
TRUST = json.dumps(
    {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": ["acs:ram::1:root"]},
            }
        ],
    }
)


@dataclass
class Clock:
    """Starts at the current second (the store purges nonces by the real clock); moved by hand."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Ticks:
    """A monotonic clock for cache ages."""

    value: float = 1000.0

    def __call__(self) -> float:
        return self.value


@dataclass
class RingSource:
    ring: KeyRing
    reloads: int = 0
    stored: KeyRing | None = None

    def current(self) -> KeyRing:
        return self.ring

    def reload(self) -> KeyRing:
        self.reloads += 1
        if self.stored is not None:
            self.ring = self.stored
        return self.ring


@pytest.fixture
def now_clock() -> Clock:
    return Clock()


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def ring(now_clock: Clock) -> RingSource:
    key = TokenKey.generate(now_clock.now)
    return RingSource(KeyRing([key], key.key_id, clock=now_clock))


@pytest.fixture
def authenticator(
    store: Store, master_key: MasterKey, ring: RingSource, now_clock: Clock, ticks: Ticks
) -> Authenticator:
    return Authenticator(store, master_key, ring, clock=now_clock, monotonic=ticks)


@pytest.fixture
def acme(store: Store, master_key: MasterKey, now_clock: Clock) -> CreatedAccount:
    return AccountService(store, master_key, clock=now_clock).create_account("acme")


def signed_v1(
    key_id: str, secret: str, now: datetime, *, nonce: str | None = None, token: str | None = None
) -> SignedRequest:
    signed = sign_rpc_v1("POST", ACTION, key_id, Secret(secret), token, now=now, nonce=nonce)
    headers = [*signed.headers, ("user-agent", "AlibabaCloud test")]
    return parse_request("POST", signed.query, headers, signed.body)


def signed_v3(key_id: str, secret: str, now: datetime, token: str | None = None) -> SignedRequest:
    signed = sign_v3(
        "POST",
        "127.0.0.1:8080",
        "GetCallerIdentity",
        "2015-04-01",
        {},
        key_id,
        Secret(secret),
        token,
        now=now,
    )
    return parse_request("POST", signed.query, list(signed.headers), signed.body)


def authenticate(authenticator: Authenticator, request: SignedRequest):
    return authenticator.authenticate(request, CONNECTION, anonymous_allowed=False)


def error_of(authenticator: Authenticator, request: SignedRequest) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as raised:
        authenticate(authenticator, request)
    return raised.value


# -- long-term keys ------------------------------------------------------------------------------


def test_the_root_key_authenticates_as_the_account(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    caller = authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))

    assert caller.identity_type == "Account"
    assert caller.account_id == acme.account_id
    assert caller.arn == f"acs:ram::{acme.account_id}:root"
    assert caller.principal_id == acme.account_id
    assert caller.access_key_id == acme.access_key_id


def test_the_caller_carries_the_request_condition_keys(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    caller = authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))

    assert caller.context == {
        "acs:SourceIp": "198.51.100.9",
        "acs:SecureTransport": "true",
        "acs:CurrentTime": now_clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "acs:UserAgent": "AlibabaCloud test",
        "acs:AccessId": acme.access_key_id,
        "acs:MFAPresent": "false",
    }


def test_v3_requests_authenticate_like_v1(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    caller = authenticate(authenticator, signed_v3(acme.access_key_id, secret, now_clock.now))

    assert caller.identity_type == "Account"


def test_a_ram_user_key_authenticates_as_the_user(
    authenticator, acme, store, master_key, now_clock
):
    with store.transaction() as tx:
        user = tx.users.create(acme.account_id, user_name="alice", now=now_clock.now)
        tx.access_keys.create(
            acme.account_id,
            user_id=user.user_id,
            access_key_id="LTAI5tAliceKey000000001",
            sealed_secret=seal_access_key_secret(
                master_key, "LTAI5tAliceKey000000001", Secret("alice-secret")
            ),
            now=now_clock.now,
        )

    caller = authenticate(
        authenticator, signed_v1("LTAI5tAliceKey000000001", "alice-secret", now_clock.now)
    )

    assert caller.identity_type == "RAMUser"
    assert caller.arn == f"acs:ram::{acme.account_id}:user/alice"
    assert caller.principal_id == user.user_id
    assert caller.user_id == user.user_id and caller.user_name == "alice"


def test_an_unknown_key_is_not_found(authenticator, now_clock):
    error = error_of(authenticator, signed_v1("LTAI5tNoSuchKey", "x", now_clock.now))

    assert error.code == "InvalidAccessKeyId.NotFound"
    assert error.http_status == 404


def test_a_wrong_secret_does_not_match(authenticator, acme, now_clock):
    error = error_of(authenticator, signed_v1(acme.access_key_id, "wrong", now_clock.now))

    assert error.code == "SignatureDoesNotMatch"
    assert error.http_status == 400


def test_a_disabled_key_stops_working_once_the_cache_expires(
    authenticator, acme, store, now_clock, ticks
):
    secret = acme.access_key_secret.reveal()
    authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))
    with store.transaction() as tx:
        tx.access_keys.set_status(acme.access_key_id, "Inactive")

    ticks.value += MAX_CACHE_TTL
    error = error_of(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))

    assert error.code == "InvalidAccessKeyId.Inactive"
    assert error.http_status == 400


def test_a_deleted_key_is_not_found_once_the_cache_expires(
    authenticator, acme, store, now_clock, ticks
):
    secret = acme.access_key_secret.reveal()
    authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))
    with store.transaction() as tx:
        tx.access_keys.delete(acme.access_key_id)

    ticks.value += MAX_CACHE_TTL
    error = error_of(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))

    assert error.code == "InvalidAccessKeyId.NotFound"


# -- time and replay ---------------------------------------------------------------------------


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_a_request_outside_the_window_is_expired(authenticator, acme, now_clock, skew):
    secret = acme.access_key_secret.reveal()
    error = error_of(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now + skew))

    assert error.code == "InvalidTimeStamp.Expired"


def test_a_replayed_nonce_is_refused(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    request = signed_v1(acme.access_key_id, secret, now_clock.now, nonce="n-1")
    authenticate(authenticator, request)

    error = error_of(authenticator, request)

    assert error.code == "SignatureNonceUsed"
    assert error.http_status == 400


def test_a_nonce_replayed_to_another_process_is_refused(
    authenticator, acme, store, master_key, ring, now_clock
):
    secret = acme.access_key_secret.reveal()
    request = signed_v1(acme.access_key_id, secret, now_clock.now, nonce="n-2")
    authenticate(authenticator, request)
    other_process = Authenticator(store, master_key, ring, clock=now_clock)

    assert error_of(other_process, request).code == "SignatureNonceUsed"


def test_a_forged_request_does_not_burn_the_nonce(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    error_of(authenticator, signed_v1(acme.access_key_id, "forged", now_clock.now, nonce="n-3"))

    caller = authenticate(
        authenticator, signed_v1(acme.access_key_id, secret, now_clock.now, nonce="n-3")
    )

    assert caller.account_id == acme.account_id


# -- anonymous requests --------------------------------------------------------------------------


def anonymous_request() -> SignedRequest:
    return parse_request("POST", "Action=AssumeRoleWithOIDC&Version=2015-04-01", [], b"")


def test_anonymous_calls_are_refused_for_signed_actions(authenticator):
    with pytest.raises(AuthenticationError) as raised:
        authenticator.authenticate(anonymous_request(), CONNECTION, anonymous_allowed=False)

    assert raised.value.code == "MissingAccessKeyId"


def test_anonymous_calls_pass_for_anonymous_actions_without_a_caller(authenticator):
    assert (
        authenticator.authenticate(anonymous_request(), CONNECTION, anonymous_allowed=True) is None
    )


# -- temporary credentials -----------------------------------------------------------------------


@pytest.fixture
def role(store: Store, acme: CreatedAccount, now_clock: Clock) -> Role:
    with store.transaction() as tx:
        return tx.roles.create(
            acme.account_id,
            role_name="deployer",
            assume_role_policy_document=TRUST,
            now=now_clock.now,
        )


def session_for(role: Role, now: datetime, *, seconds: int = 3600) -> SessionClaims:
    return SessionClaims(
        account_id=role.account_id,
        role_id=role.role_id,
        role_name=role.role_name,
        session_name="ci-run",
        access_key_id="STS.TemporaryKeyExample0001",
        access_key_secret=Secret("temporary-secret"),
        issued_at=now,
        expires_at=now + timedelta(seconds=seconds),
        principal_arn=f"acs:ram::{role.account_id}:user/alice",
    )


def sts_request(claims: SessionClaims, token: str | None, now: datetime) -> SignedRequest:
    return signed_v1(claims.access_key_id, "temporary-secret", now, token=token)


def test_a_role_session_authenticates_as_the_assumed_role(authenticator, ring, role, now_clock):
    claims = session_for(role, now_clock.now)
    token = ring.ring.mint(claims)

    caller = authenticate(authenticator, sts_request(claims, token, now_clock.now))

    assert caller.identity_type == "AssumedRoleUser"
    assert caller.arn == f"acs:ram::{role.account_id}:assumed-role/deployer/ci-run"
    assert caller.principal_id == f"{role.role_id}:ci-run"
    assert caller.context["acs:AccessId"] == claims.access_key_id


def test_a_v3_role_session_authenticates(authenticator, ring, role, now_clock):
    claims = session_for(role, now_clock.now)
    token = ring.ring.mint(claims)
    request = signed_v3(claims.access_key_id, "temporary-secret", now_clock.now, token)

    assert authenticate(authenticator, request).role_id == role.role_id


def test_an_sts_key_without_its_token_is_refused(authenticator, role, now_clock):
    claims = session_for(role, now_clock.now)

    assert error_of(authenticator, sts_request(claims, None, now_clock.now)).code == (
        "MissingSecurityToken"
    )


def test_a_token_of_another_access_key_is_a_mismatch(authenticator, ring, role, now_clock):
    claims = session_for(role, now_clock.now)
    token = ring.ring.mint(claims)
    request = signed_v1(
        "STS.SomeOtherTemporaryKey001", "temporary-secret", now_clock.now, token=token
    )

    assert error_of(authenticator, request).code == "InvalidSecurityToken.MismatchWithAccessKey"


def test_an_expired_token_is_refused(authenticator, ring, role, now_clock):
    claims = session_for(role, now_clock.now - timedelta(hours=2))
    token = ring.ring.mint(claims)

    assert error_of(authenticator, sts_request(claims, token, now_clock.now)).code == (
        "InvalidSecurityToken.Expired"
    )


def test_a_tampered_token_is_malformed(authenticator, ring, role, now_clock):
    claims = session_for(role, now_clock.now)
    token = ring.ring.mint(claims)
    tampered = token[:-6] + ("AAAAAA" if token[-6:] != "AAAAAA" else "BBBBBB")

    assert error_of(authenticator, sts_request(claims, tampered, now_clock.now)).code == (
        "InvalidSecurityToken.Malformed"
    )


def test_a_token_of_a_key_rotated_in_elsewhere_opens_after_a_reload(
    authenticator, ring, role, now_clock
):
    newer = TokenKey.generate(now_clock.now)
    rotated = ring.ring.rotated(newer)
    ring.stored = rotated
    claims = session_for(role, now_clock.now)

    caller = authenticate(authenticator, sts_request(claims, rotated.mint(claims), now_clock.now))

    assert ring.reloads == 1
    assert caller.role_name == "deployer"


def test_revoked_sessions_are_refused(authenticator, ring, role, store, now_clock, ticks):
    claims = session_for(role, now_clock.now - timedelta(minutes=5))
    token = ring.ring.mint(claims)
    with store.transaction() as tx:
        tx.roles.revoke_sessions(role.role_id, not_before=now_clock.now)
    ticks.value += MAX_CACHE_TTL

    error = error_of(authenticator, sts_request(claims, token, now_clock.now))

    assert error.code == "InvalidSecurityToken.Expired"
    assert "revoked" in error.message


def test_sessions_of_a_deleted_role_are_refused(authenticator, ring, role, store, now_clock, ticks):
    claims = session_for(role, now_clock.now)
    token = ring.ring.mint(claims)
    authenticate(authenticator, sts_request(claims, token, now_clock.now))
    with store.transaction() as tx:
        tx.roles.delete(role.role_id)
    ticks.value += MAX_CACHE_TTL

    error = error_of(authenticator, sts_request(claims, token, now_clock.now))

    assert error.code == "InvalidSecurityToken.Expired"
    assert "no longer exists" in error.message


# -- on an event loop: verify from the caches, filled off the loop; the nonce in the loop's batch


def test_verifying_from_cold_caches_on_the_loop_fills_them_in_a_worker_thread_once(
    authenticator, acme, now_clock
):
    request = signed_v1(acme.access_key_id, acme.access_key_secret.reveal(), now_clock.now)

    run = on_the_loop(lambda: authenticator.verify(request, CONNECTION, anonymous_allowed=False))

    assert run.result.caller.account_id == acme.account_id
    assert run.hops == 1  # the key, resolved and unsealed in a worker thread
    assert run.blocked == 0


def test_verifying_from_warm_caches_never_leaves_the_loop(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))
    request = signed_v1(acme.access_key_id, secret, now_clock.now, nonce="warm-1")

    run = on_the_loop(lambda: authenticator.verify(request, CONNECTION, anonymous_allowed=False))

    assert (run.hops, run.blocked) == (0, 0)
    assert run.result.caller.account_id == acme.account_id
    assert run.result.nonce_key == f"{acme.access_key_id}:warm-1"


def test_a_nonce_spent_on_the_event_loop_is_spent_everywhere(authenticator, acme, now_clock):
    secret = acme.access_key_secret.reveal()
    request = signed_v1(acme.access_key_id, secret, now_clock.now, nonce="loop-1")
    verified = authenticator.verify(request, CONNECTION, anonymous_allowed=False)

    def spend_twice() -> str:
        authenticator.spend_nonce(verified)
        with pytest.raises(AuthenticationError) as again:
            authenticator.spend_nonce(verified)
        return again.value.code

    run = on_the_loop(spend_twice)

    assert run.result == "SignatureNonceUsed"
    assert (run.hops, run.blocked) == (0, 0)  # spent with the loop's batch, not from a thread
    assert error_of(authenticator, request).code == "SignatureNonceUsed"


# -- refresh-ahead ----------------------------------------------------------------------------


class RunAtOnce(Executor):
    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        future: Future[object] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_a_key_in_use_is_reloaded_before_it_expires(store, master_key, ring, acme, now_clock):
    ticks = Ticks()
    authenticator = Authenticator(
        store,
        master_key,
        ring,
        clock=now_clock,
        monotonic=ticks,
        caches=Caches(RefreshAhead(RunAtOnce())),
    )
    secret = acme.access_key_secret.reveal()
    authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))
    with store.transaction() as tx:
        tx.access_keys.set_status(acme.access_key_id, "Inactive")

    ticks.value += MAX_CACHE_TTL * 0.4
    authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))  # cached
    ticks.value += MAX_CACHE_TTL * 0.2
    # Still served from the cache, but it triggers the reload...
    authenticate(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))
    # ... so the change applies before the cached entry would have expired.
    error = error_of(authenticator, signed_v1(acme.access_key_id, secret, now_clock.now))

    assert error.code == "InvalidAccessKeyId.Inactive"
