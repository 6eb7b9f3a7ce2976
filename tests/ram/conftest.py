"""Service-level fixtures for RAM actions: a store on each database, a RamService, an account,
callers (its root, RAM users), a way to grant policies through the store, and the actions
registered into a recording table so tests call them as the API would.

    def test_x(ram_actions: RamActions, root: Caller) -> None:
        body = ram_actions.call(root, "CreateUser", UserName="alice")
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.errors import RamstsError
from ramsts.products import Product
from ramsts.ram.authorization import Authorizer
from ramsts.ram.product import register
from ramsts.ram.service import RamService
from ramsts.store import Account, PrincipalType, Store, User

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

Handler = Callable[[Caller | None, Mapping[str, str]], dict[str, Any]]


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RamActions:
    """Stands in for the API's ActionTable: records what products register, calls it by name."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)

    def add_product(self, product: Product) -> None:
        self.products.append(product)

    def add(self, version: str, name: str, handler: Handler, *, anonymous: bool = False) -> None:
        self.handlers[name] = handler

    def call(self, caller: Caller | None, action: str, **params: str) -> dict[str, Any]:
        return self.handlers[action](caller, params)

    def error(self, caller: Caller | None, action: str, **params: str) -> str:
        """The wire code of the error the action answers with (fails if it succeeds)."""
        with pytest.raises(RamstsError) as excinfo:
            self.call(caller, action, **params)
        return excinfo.value.code


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def master_key() -> MasterKey:
    return MasterKey.generate()


@pytest.fixture
def ram(store: Store, master_key: MasterKey, clock: FakeClock) -> RamService:
    return RamService(
        store=store, master_key=master_key, authorizer=Authorizer(store, master_key), clock=clock
    )


def registered(ram: RamService) -> RamActions:
    actions = RamActions()
    register(actions, ram)  # type: ignore[arg-type]  # RamActions has the table's shape
    return actions


@pytest.fixture
def ram_actions(ram: RamService) -> RamActions:
    return registered(ram)


@pytest.fixture
def actions_for() -> Callable[[RamService], RamActions]:
    """Register the actions over another RamService (other quotas, clock, authorizer)."""
    return registered


def new_account(store: Store, name: str) -> Account:
    with store.transaction() as tx:
        return tx.accounts.create(name=name, now=START)


@pytest.fixture
def account(store: Store) -> Account:
    return new_account(store, "acme")


@pytest.fixture
def other_account(store: Store) -> Account:
    return new_account(store, "globex")


def root_of(account: Account) -> Caller:
    return Caller(
        account_id=account.account_id,
        identity_type="Account",
        arn=account.root_arn,
        principal_id=account.account_id,
        access_key_id="LTAI5tRootKeyOfTheTestAcct",
        display_name=account.account_id,
    )


def user_caller(user: User) -> Caller:
    return Caller(
        account_id=user.account_id,
        identity_type="RAMUser",
        arn=user.arn,
        principal_id=user.user_id,
        access_key_id="LTAI5tUserKeyOfTheTestAcct",
        display_name=user.user_name,
        user_id=user.user_id,
        user_name=user.user_name,
    )


@pytest.fixture
def root(account: Account) -> Caller:
    return root_of(account)


@pytest.fixture
def caller_for_root() -> Callable[[Account], Caller]:
    """The caller an account's root is when it signs with a root AccessKey."""
    return root_of


@pytest.fixture
def caller_for_user() -> Callable[[User], Caller]:
    """The caller a RAM user is when it signs with its own AccessKey."""
    return user_caller


@pytest.fixture
def make_user(store: Store, account: Account) -> Callable[[str], User]:
    """Create a RAM user in ``account`` directly in the store."""

    def make(user_name: str) -> User:
        with store.transaction() as tx:
            return tx.users.create(account.account_id, user_name=user_name, now=START)

    return make


@pytest.fixture
def alice(make_user: Callable[[str], User]) -> User:
    return make_user("alice")


@pytest.fixture
def alice_caller(alice: User) -> Caller:
    return user_caller(alice)


def statement(
    effect: str, action: str | list[str], resource: str | list[str] = "*"
) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


@pytest.fixture
def grant(ram: RamService) -> Callable[..., None]:
    """Attach a new custom policy made of ``statements`` to a user, group or role, through the
    store (what AttachPolicyTo* does), then let the authorizer see it::

        grant("User", user.user_id, user.account_id, {"Effect": "Allow", "Action": "ram:Get*",
              "Resource": "*"})
    """
    counter = iter(range(1, 1_000_000))

    def attach(
        principal_type: PrincipalType,
        principal_id: str,
        account_id: str,
        *statements: dict[str, Any],
    ) -> None:
        document = json.dumps({"Version": "1", "Statement": list(statements)})
        with ram.store.transaction() as tx:
            policy = tx.policies.create_custom(
                account_id,
                policy_name=f"granted-{next(counter)}",
                policy_document=document,
                now=START,
            )
            tx.attachments.attach(
                principal_type, principal_id, policy, account_id=account_id, now=START
            )
        ram.authorizer.invalidate(account_id)

    return attach


@pytest.fixture
def role_session(ram: RamService, account: Account) -> Callable[..., Caller]:
    """Create a role of ``account`` trusting its root, in the store, and answer the caller a
    session of it is (narrowed by ``session_policy`` when given)::

        session = role_session("reader", session_policy=None)
    """

    def make(role_name: str, session_policy: str | None = None) -> Caller:
        trust = {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": [account.root_arn]},
                }
            ],
        }
        with ram.store.transaction() as tx:
            role = tx.roles.create(
                account.account_id,
                role_name=role_name,
                assume_role_policy_document=json.dumps(trust),
                now=START,
            )
        return Caller(
            account_id=account.account_id,
            identity_type="AssumedRoleUser",
            arn=f"acs:ram::{account.account_id}:assumed-role/{role_name}/s1",
            principal_id=f"{role.role_id}:s1",
            access_key_id="STS.TheTemporaryKeyOfTheSession",
            display_name=f"{role_name}/s1",
            role_id=role.role_id,
            role_name=role_name,
            session_name="s1",
            session_policy=session_policy,
        )

    return make
