"""Ims service-level test support (fixtures are re-exported by conftest.py): a store on each
database, the RAM service that runs the Ims actions, an account with its root and a RAM user,
and the actions registered by name.

    def test_x(ims: Ims, root: Caller) -> None:
        body = ims.actions.call(root, "CreateOIDCProvider", OIDCProviderName="idp", ...)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.errors import RamstsError
from ramsts.ims.product import register
from ramsts.products import Product
from ramsts.ram.authorization import Authorizer
from ramsts.ram.service import RamService
from ramsts.store import Account, Store, User, open_store

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

Handler = Callable[[Caller | None, Mapping[str, str]], dict[str, Any]]


@dataclass
class ImsActions:
    """Stands in for the API's ActionTable: records what Ims registers, calls it by name."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)

    def add_product(self, product: Product) -> None:
        self.products.append(product)

    def add(self, version: str, name: str, handler: Handler, **options: object) -> None:
        self.handlers[name] = handler

    def call(self, caller: Caller | None, action: str, **params: str) -> dict[str, Any]:
        return self.handlers[action](caller, params)

    def refusal(self, caller: Caller | None, action: str, **params: str) -> RamstsError:
        with pytest.raises(RamstsError) as caught:
            self.call(caller, action, **params)
        return caught.value


@dataclass(frozen=True)
class Ims:
    store: Store
    ram: RamService
    actions: ImsActions
    account: Account

    def grant(self, user: User, *statements: dict[str, Any]) -> None:
        document = json.dumps({"Version": "1", "Statement": list(statements)})
        with self.store.transaction() as tx:
            policy = tx.policies.create_custom(
                user.account_id,
                policy_name=f"p{len(statements)}{user.user_name}",
                policy_document=document,
                now=START,
            )
            tx.attachments.attach(
                "User", user.user_id, policy, account_id=user.account_id, now=START
            )
        self.ram.authorizer.invalidate(user.account_id)


@pytest.fixture
def ims(db_url: str) -> Iterator[Ims]:
    store = open_store(db_url)
    master_key = MasterKey.generate()
    ram = RamService(
        store=store,
        master_key=master_key,
        authorizer=Authorizer(store, master_key),
        clock=lambda: START,
    )
    actions = ImsActions()
    register(actions, _WithRam(ram))  # type: ignore[arg-type]  # ImsActions has the table's shape
    with store.transaction() as tx:
        account = tx.accounts.create(name="acme", now=START)
    yield Ims(store, ram, actions, account)
    store.dispose()


@dataclass(frozen=True)
class _WithRam:
    ram: RamService


@pytest.fixture
def root(ims: Ims) -> Caller:
    account = ims.account
    return Caller(
        account_id=account.account_id,
        identity_type="Account",
        arn=account.root_arn,
        principal_id=account.account_id,
        access_key_id="LTAI5tRootKeyOfTheTestAcct",
        display_name=account.account_id,
    )


@pytest.fixture
def alice(ims: Ims) -> User:
    with ims.store.transaction() as tx:
        return tx.users.create(ims.account.account_id, user_name="alice", now=START)


@pytest.fixture
def alice_caller(alice: User) -> Caller:
    return Caller(
        account_id=alice.account_id,
        identity_type="RAMUser",
        arn=alice.arn,
        principal_id=alice.user_id,
        access_key_id="LTAI5tUserKeyOfTheTestAcct",
        display_name=alice.user_name,
        user_id=alice.user_id,
        user_name=alice.user_name,
    )
