"""Service-level STS test support (fixtures are re-exported by conftest.py): a store on each
authenticator and AssumeRole over them, with a clock the tests move by hand.

``sts.assume(caller, RoleArn=..., RoleSessionName=...)`` calls AssumeRole as the API would;
``sts.use(credentials)`` signs a request with the temporary credentials and authenticates it,
returning the caller a resource service would see (or raising what the gateway answers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from ramsts.authentication import Authenticator, Connection
from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.errors import RamstsError
from ramsts.policy import parse_policy
from ramsts.ram.authorization import Authorizer
from ramsts.ram.roles import trusted_principal_ids
from ramsts.services import StoredKeyRing
from ramsts.signing import parse_request, sign_rpc_v1
from ramsts.store import Account, PrincipalType, Role, Store, User, open_store
from ramsts.sts.assume_role import AssumeRole
from ramsts.sts.wire.sessions import assume_role_action
from ramsts.types import Secret

START = datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def monotonic(self) -> float:
        """Seconds since the start, for caches and reload intervals that use a monotonic clock."""
        return (self.now - START).total_seconds()


def trust(*principals: str, condition: dict[str, Any] | None = None, effect: str = "Allow") -> str:
    statement: dict[str, Any] = {
        "Effect": effect,
        "Action": "sts:AssumeRole",
        "Principal": {"RAM": list(principals)},
    }
    if condition is not None:
        statement["Condition"] = condition
    return json.dumps({"Version": "1", "Statement": [statement]})


def allow(action: str | list[str], resource: str = "*", effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@dataclass
class Sts:
    store: Store
    clock: FakeClock
    master_key: MasterKey
    authorizer: Authorizer
    key_ring: StoredKeyRing
    assume_role: AssumeRole
    authenticator: Authenticator
    _names: Iterator[int] = field(default_factory=lambda: count(1))

    # -- the directory, written straight to the store --------------------------------------

    def account(self, name: str) -> Account:
        with self.store.transaction() as tx:
            return tx.accounts.create(name=name, now=self.clock())

    def user(self, account: Account, name: str) -> User:
        with self.store.transaction() as tx:
            return tx.users.create(account.account_id, user_name=name, now=self.clock())

    def role(self, account: Account, name: str, trust_policy: str, max_session: int = 3600) -> Role:
        """A role whose trust policy's named users and roles are bound to their ids, as
        CreateRole binds them."""
        with self.store.transaction() as tx:
            return tx.roles.create(
                account.account_id,
                role_name=name,
                assume_role_policy_document=trust_policy,
                now=self.clock(),
                max_session_duration=max_session,
                trusted_principal_ids=trusted_principal_ids(
                    tx, parse_policy(trust_policy, kind="trust")
                ),
            )

    def grant(
        self, kind: PrincipalType, principal_id: str, account_id: str, *stmts: dict[str, Any]
    ) -> str:
        """Attach a new custom policy to a user or role; returns its name."""
        name = f"granted-{next(self._names)}"
        document = json.dumps({"Version": "1", "Statement": list(stmts)})
        with self.store.transaction() as tx:
            policy = tx.policies.create_custom(
                account_id, policy_name=name, policy_document=document, now=self.clock()
            )
            tx.attachments.attach(
                kind, principal_id, policy, account_id=account_id, now=self.clock()
            )
        self.authorizer.invalidate(account_id)
        return name

    # -- calling STS and using what it returns ----------------------------------------------

    def assume(self, caller: Caller, **params: str) -> dict[str, Any]:
        return assume_role_action(self.assume_role).handler()(caller, params)

    def use(self, credentials: Mapping[str, str], *, token: str | None = None) -> Caller:
        """Authenticate a GetCallerIdentity signed with ``credentials`` (``token`` overrides its
        SecurityToken); the caller a service would act for."""
        signed = sign_rpc_v1(
            "GET",
            {"Action": "GetCallerIdentity", "Version": "2015-04-01"},
            credentials["AccessKeyId"],
            Secret(credentials["AccessKeySecret"]),
            credentials["SecurityToken"] if token is None else token,
            now=self.clock(),
        )
        request = parse_request("GET", signed.query, [("host", "sts.example")], b"")
        caller = self.authenticator.authenticate(
            request, Connection(peer_ip="192.0.2.10", secure=False), anonymous_allowed=False
        )
        if caller is None:
            raise AssertionError("a signed request authenticated as nobody")
        return caller

    def refusal(self, call: Callable[[], object]) -> RamstsError:
        with pytest.raises(RamstsError) as caught:
            call()
        return caught.value


def user_caller(user: User, **context: str) -> Caller:
    return Caller(
        account_id=user.account_id,
        identity_type="RAMUser",
        arn=user.arn,
        principal_id=user.user_id,
        access_key_id="LTAI5tUserKeyOfTheTestAcct",
        display_name=user.user_name,
        user_id=user.user_id,
        user_name=user.user_name,
        context={"acs:SourceIp": "192.0.2.10", **context},
    )


def root_caller(account: Account) -> Caller:
    return Caller(
        account_id=account.account_id,
        identity_type="Account",
        arn=account.root_arn,
        principal_id=account.account_id,
        access_key_id="LTAI5tRootKeyOfTheTestAcct",
        display_name=account.account_id,
    )


@pytest.fixture
def sts(db_url: str) -> Iterator[Sts]:
    clock = FakeClock()
    store = open_store(db_url)
    master_key = MasterKey.generate()
    authorizer = Authorizer(store, master_key, ttl=0)
    key_ring = StoredKeyRing(store, master_key, clock=clock, monotonic=clock.monotonic)
    yield Sts(
        store=store,
        clock=clock,
        master_key=master_key,
        authorizer=authorizer,
        key_ring=key_ring,
        assume_role=AssumeRole(
            store, authorizer, key_ring, clock=clock, role_cache_ttl=0, monotonic=clock.monotonic
        ),
        authenticator=Authenticator(store, master_key, key_ring, clock=clock, cache_ttl=0),
    )
    store.dispose()


@dataclass
class Directory:
    """One account (acme) with a user alice allowed sts:AssumeRole, and a role reader that
    trusts acme's users; a second account (globex) with a user bob."""

    acme: Account
    alice: User
    reader: Role
    globex: Account
    bob: User


@pytest.fixture
def directory(sts: Sts) -> Directory:
    acme = sts.account("acme")
    alice = sts.user(acme, "alice")
    reader = sts.role(acme, "reader", trust(acme.root_arn), max_session=7200)
    sts.grant("User", alice.user_id, acme.account_id, allow("sts:AssumeRole"))
    sts.grant("Role", reader.role_id, acme.account_id, allow("ram:*"))
    globex = sts.account("globex")
    bob = sts.user(globex, "bob")
    return Directory(acme=acme, alice=alice, reader=reader, globex=globex, bob=bob)
