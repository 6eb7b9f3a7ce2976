"""SetAccountAlias, GetAccountAlias, ClearAccountAlias."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.store import Account


def test_an_account_has_no_alias_until_one_is_set(ram_actions: Any, root: Caller) -> None:
    assert ram_actions.call(root, "GetAccountAlias") == {"AccountAlias": ""}
    assert ram_actions.call(root, "SetAccountAlias", AccountAlias="acme-prod-1") == {}
    assert ram_actions.call(root, "GetAccountAlias") == {"AccountAlias": "acme-prod-1"}


def test_clear_account_alias_removes_it(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(root, "SetAccountAlias", AccountAlias="acme")
    assert ram_actions.call(root, "ClearAccountAlias") == {}
    assert ram_actions.call(root, "GetAccountAlias") == {"AccountAlias": ""}


@pytest.mark.parametrize(
    "alias", ["ab", "a" * 33, "Acme", "-acme", "acme-", "ac--me", "ac_me", "acme.com"]
)
def test_a_malformed_alias_is_refused(ram_actions: Any, root: Caller, alias: str) -> None:
    assert (
        ram_actions.error(root, "SetAccountAlias", AccountAlias=alias)
        == "InvalidParameter.AccountAlias.Format"
    )


def test_an_alias_is_unique_across_accounts(
    ram_actions: Any,
    root: Caller,
    other_account: Account,
    caller_for_root: Callable[[Account], Caller],
) -> None:
    ram_actions.call(root, "SetAccountAlias", AccountAlias="acme")
    ram_actions.call(root, "SetAccountAlias", AccountAlias="acme")
    other = caller_for_root(other_account)
    assert (
        ram_actions.error(other, "SetAccountAlias", AccountAlias="acme")
        == "EntityAlreadyExists.AccountAlias"
    )
    assert ram_actions.call(other, "GetAccountAlias") == {"AccountAlias": ""}


def test_a_ram_user_needs_permission_to_set_the_alias(
    ram_actions: Any, alice_caller: Caller
) -> None:
    assert ram_actions.error(alice_caller, "SetAccountAlias", AccountAlias="acme") == "NoPermission"
