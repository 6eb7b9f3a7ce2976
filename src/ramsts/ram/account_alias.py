"""The account alias: SetAccountAlias, GetAccountAlias, ClearAccountAlias.

An alias is 3–32 characters of lower-case letters, digits and hyphens, neither starting nor
ending with a hyphen nor holding two in a row; every refusal of its form is
``InvalidParameter.AccountAlias.Format``. Aliases are unique across all accounts of the
deployment (``EntityAlreadyExists.AccountAlias``), since people sign in with them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter
from ramsts.parameters import Parameters
from ramsts.ram.arns import account_resource

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService
    from ramsts.store import Transaction

ACCOUNT_ALIAS = re.compile(r"(?=.{3,32}\Z)[a-z0-9]+(?:-[a-z0-9]+)*")


def check_account_alias(alias: str) -> str:
    if ACCOUNT_ALIAS.fullmatch(alias) is None:
        raise InvalidParameter(
            "AccountAlias.Format",
            f"The parameter AccountAlias {json.dumps(alias[:64], ensure_ascii=False)} must be"
            " 3 to 32 lower-case letters, digits or single hyphens, and may not start or end"
            " with a hyphen.",
        )
    return alias


def set_account_alias(
    ram: RamService,
    caller: Caller,
    alias: str | None,
    *,
    action: str = "ram:SetAccountAlias",
    within: Transaction | None = None,
) -> None:
    """Give the account ``alias`` (checked by :func:`check_account_alias`), or none, authorized
    as ``action`` on the account: Ims's SetDefaultDomain sets the same alias as its own action."""
    account_id = caller.account_id
    ram.authorizer.require(caller, action, account_resource(account_id))
    with ram.transaction(account_id, within=within) as tx:
        tx.accounts.set_alias(account_id, alias)


def register(table: ActionTable, ram: RamService) -> None:
    def authorized(caller: Caller | None, action: str) -> str:
        principal = ram.signed_in(caller)
        account_id = principal.account_id
        ram.authorizer.require(principal, f"ram:{action}", account_resource(account_id))
        return account_id

    def set_alias(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        alias = check_account_alias(Parameters(params).required("AccountAlias"))
        set_account_alias(ram, ram.signed_in(caller), alias)
        return {}

    def get_account_alias(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        account_id = authorized(caller, "GetAccountAlias")
        with ram.read() as tx:
            account = tx.accounts.get(account_id)
        return {"AccountAlias": account.alias if account is not None and account.alias else ""}

    def clear_account_alias(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        account_id = authorized(caller, "ClearAccountAlias")
        with ram.transaction(account_id) as tx:
            tx.accounts.set_alias(account_id, None)
        return {}

    table.add(ram.version, "SetAccountAlias", set_alias)
    table.add(ram.version, "GetAccountAlias", get_account_alias)
    table.add(ram.version, "ClearAccountAlias", clear_account_alias)
