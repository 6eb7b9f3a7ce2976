"""UserPrincipalName: how Ims names a RAM user, ``<UserName>@<DefaultDomain>``.

An account's default domain is ``<AccountAlias>.onaliyun.com`` once it has an alias, and
``<AccountId>.onaliyun.com`` until then (the real service's alias defaults to the account id).
A request may spell the suffix either way, in any letter case; any other suffix names no user of
the account and is refused (``InvalidParameter.UserPrincipalName``). Answers spell it with the
default domain. The name before the ``@`` is the RAM user's ``UserName``, with its rules: Ims
and RAM act on the same users.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ramsts.errors import InvalidParameter
from ramsts.parameters import TextRule, checked_text
from ramsts.ram.entities import USER_NAME
from ramsts.store import Transaction

DOMAIN_SUFFIX = ".onaliyun.com"
PRINCIPAL_NAME = TextRule(128)


@dataclass(frozen=True, slots=True)
class PrincipalName:
    """A UserPrincipalName as requested, split at its ``@``."""

    parameter: str
    """The parameter that carried it, for the messages (``NewUserPrincipalName``…)."""
    user_name: str
    domain: str


def principal_name(parameter: str, value: str) -> PrincipalName:
    """``value`` split into a user name that keeps RAM's UserName rules and a domain ending in
    ``.onaliyun.com``; ``InvalidParameter.<parameter>`` otherwise."""
    checked_text(parameter, value, PRINCIPAL_NAME)
    user_name, at, domain = value.rpartition("@")
    if not at or domain.lower() == DOMAIN_SUFFIX[1:] or not domain.lower().endswith(DOMAIN_SUFFIX):
        raise InvalidParameter(
            parameter,
            f"The parameter {parameter} {_quoted(value)} must be <UserName>@<DefaultDomain>,"
            f" the default domain ending in {DOMAIN_SUFFIX}.",
        )
    pattern = USER_NAME.pattern
    if (
        not user_name
        or len(user_name) > USER_NAME.max_length
        or (pattern is not None and pattern.fullmatch(user_name) is None)
    ):
        raise InvalidParameter(
            parameter,
            f"The user name of {parameter} {_quoted(value)} must be 1 to"
            f" {USER_NAME.max_length} letters, digits, periods (.), hyphens (-) or"
            " underscores (_).",
        )
    return PrincipalName(parameter, user_name, domain)


def default_domain(tx: Transaction, account_id: str) -> str:
    account = tx.accounts.get(account_id)
    alias = account.alias if account is not None and account.alias else account_id
    return f"{alias}{DOMAIN_SUFFIX}"


def user_name_in(tx: Transaction, account_id: str, name: PrincipalName) -> str:
    """The UserName ``name`` refers to in ``account_id``, once its domain is the account's:
    its default domain or ``<AccountId>.onaliyun.com``."""
    domains = {default_domain(tx, account_id), f"{account_id}{DOMAIN_SUFFIX}"}
    if name.domain.lower() not in domains:
        raise InvalidParameter(
            name.parameter,
            f"The suffix of {name.parameter} must be the account's default domain"
            f" {default_domain(tx, account_id)}; got {_quoted(name.domain)}.",
        )
    return name.user_name


def render_principal_name(user_name: str, domain: str) -> str:
    return f"{user_name}@{domain}"


def _quoted(value: str) -> str:
    return json.dumps(value if len(value) <= 64 else value[:64] + "…", ensure_ascii=False)
