"""The account alias: SetAccountAlias, GetAccountAlias, ClearAccountAlias.

An alias is 3–32 characters of lower-case letters, digits and hyphens, neither starting nor
ending with a hyphen nor holding two in a row; every refusal of its form is
``InvalidParameter.AccountAlias.Format``. Aliases are unique across all accounts of the
deployment (``EntityAlreadyExists.AccountAlias``), since people sign in with them.

The use cases are authorized as their own action on the account, in the transaction given
(``within``) or their own; :mod:`ramsts.ram.wire.account_alias` serves them as RAM's actions.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter
from ramsts.ram.arns import account_resource

if TYPE_CHECKING:
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
    if alias is not None:
        check_account_alias(alias)
    account_id = caller.account_id
    ram.authorizer.require(caller, action, account_resource(account_id))
    with ram.transaction(account_id, within=within) as tx:
        tx.accounts.set_alias(account_id, alias)


def get_account_alias(ram: RamService, caller: Caller, within: Transaction | None = None) -> str:
    """The account's alias; ``""`` for none."""
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:GetAccountAlias", account_resource(account_id))
    with ram.read(within=within) as tx:
        account = tx.accounts.get(account_id)
    return account.alias if account is not None and account.alias else ""


def clear_account_alias(ram: RamService, caller: Caller, within: Transaction | None = None) -> None:
    set_account_alias(ram, caller, None, action="ram:ClearAccountAlias", within=within)
