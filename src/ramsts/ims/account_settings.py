"""GetPasswordPolicy, SetPasswordPolicy, ChangePassword, GetSecurityPreference,
SetSecurityPreference, GetDefaultDomain, SetDefaultDomain (Ims): the account's
settings RAM keeps (the default domain is its alias's), and a RAM user changing its own password
(:mod:`ramsts.ram.passwords`, :mod:`ramsts.ram.security_preference`), in Ims's spelling.

Authorized as the ``ram:<Action>`` of the same name on the account, checked and stored by RAM's
use cases: a setting changed through Ims is the one RAM's GetPasswordPolicy shows.

Ims names settings ramsts does not enforce. A password policy setting among them is accepted
only at the value that enforces nothing (``MinimumPasswordDifferentCharacter`` and
``InitialPasswordAge`` 0, ``PasswordNotContainUserName`` and ``InterceptRiskPasswordOnApi``
false), and answered so; a security preference setting among them (``MFAOperationForLogin``,
``OperationForRiskLogin``, ``MaxIdleDaysForUsers``…) is refused whatever its value, and left out
of the answers: a security setting is never accepted and then not kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ramsts.errors import InvalidParameter
from ramsts.ims.principal_names import DOMAIN_SUFFIX, default_domain
from ramsts.parameters import Parameters
from ramsts.products import IMS
from ramsts.ram.account_alias import ACCOUNT_ALIAS, set_account_alias
from ramsts.ram.arns import account_resource
from ramsts.ram.passwords import (
    WIRE_NAMES,
    PasswordPolicy,
    change_own_password,
    get_password_policy,
    own_password_change,
    requested_password_policy,
    set_password_policy,
)
from ramsts.ram.rendering import Body
from ramsts.ram.security_preference import (
    SecurityPreference,
    get_security_preference,
    requested_security_preference,
    set_security_preference,
)
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.caller import Caller
    from ramsts.ram.service import RamService

PASSWORD_POLICY_NAMES = {**WIRE_NAMES, "hard_expiry": "HardExpire"}
"""Each password policy setting's Ims parameter name: RAM's, but for ``HardExpire``."""
INERT_FLAGS = ("PasswordNotContainUserName", "InterceptRiskPasswordOnApi")
INERT_COUNTS = ("MinimumPasswordDifferentCharacter", "InitialPasswordAge")
UNKEPT_PREFERENCES = (
    "AllowUserToLoginWithPasskey",
    "AllowUserToManagePersonalDingTalk",
    "AllowUserToManageServiceCredentials",
    "MFAOperationForLogin",
    "OperationForRiskLogin",
    "MaxIdleDaysForAccessKeys",
    "MaxIdleDaysForUsers",
    "VerificationTypes",
)


def render_password_policy(policy: PasswordPolicy) -> Body:
    settings: Body = {wire: getattr(policy, field) for field, wire in PASSWORD_POLICY_NAMES.items()}
    settings.update(dict.fromkeys(INERT_FLAGS, False))
    settings.update(dict.fromkeys(INERT_COUNTS, 0))
    return {"PasswordPolicy": settings}


def render_security_preference(preference: SecurityPreference) -> Body:
    """RAM's object less ``PublicKeyPreference``, which Ims does not have."""
    rendered = preference.render()
    rendered.pop("PublicKeyPreference", None)
    return {"SecurityPreference": rendered}


def _password_policy_changes(read: Parameters) -> Mapping[str, Any]:
    changes = requested_password_policy(read, PASSWORD_POLICY_NAMES)
    for name in INERT_FLAGS:
        if read.boolean(name, default=False):
            raise _not_enforced(name)
    for name in INERT_COUNTS:
        if read.integer(name, minimum=0, maximum=2**31) not in (None, 0):
            raise _not_enforced(name)
    return changes


def _not_enforced(name: str) -> InvalidParameter:
    return InvalidParameter(name, f"ramsts does not enforce the setting {name}.")


def _no_input(read: Parameters) -> None:
    return None


def get_default_domain(ram: RamService, caller: Caller, _: None) -> str:
    """GetDefaultDomain: ``<AccountAlias>.onaliyun.com``, or ``<AccountId>.onaliyun.com`` for
    an account without an alias (:mod:`ramsts.ims.principal_names`)."""
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:GetDefaultDomain", account_resource(account_id))
    with ram.read() as tx:
        return default_domain(tx, account_id)


DEFAULT_DOMAIN_NAME = re.compile(r"(?=.{1,64}\Z)[A-Za-z0-9._]+(?:-[A-Za-z0-9._]+)*", re.ASCII)
"""The real service's form: letters, digits, ``.``, ``_`` and single inner hyphens, 64 at most."""


def _default_domain_name(read: Parameters) -> str:
    """The prefix of the ``DefaultDomainName`` asked for, which ramsts keeps as the account
    alias: a name the real service takes but that is no alias (upper case, ``.``, ``_``, longer
    than 32) is refused, not changed."""
    name = read.required("DefaultDomainName")
    shown = json.dumps(name[:80], ensure_ascii=False)
    if DEFAULT_DOMAIN_NAME.fullmatch(name) is None or not name.endswith(DOMAIN_SUFFIX):
        raise InvalidParameter(
            "DefaultDomainName",
            f"The parameter DefaultDomainName {shown} must be <AccountAlias>{DOMAIN_SUFFIX}, 64"
            " characters at most of letters, digits, periods, underscores and single hyphens.",
        )
    prefix = name.removesuffix(DOMAIN_SUFFIX)
    if ACCOUNT_ALIAS.fullmatch(prefix) is None:
        raise InvalidParameter(
            "DefaultDomainName",
            f"The parameter DefaultDomainName {shown} names a prefix ramsts cannot keep: the"
            " default domain is the account alias, 3 to 32 lower-case letters, digits or single"
            " hyphens, or the account's own id.",
        )
    return prefix


def set_default_domain(ram: RamService, caller: Caller, prefix: str) -> str:
    """SetDefaultDomain: the account alias ``prefix``; the account's own id clears the alias,
    whose default it is."""
    account_id = caller.account_id
    if len(prefix) == len(account_id) and prefix.isdigit() and prefix != account_id:
        raise InvalidParameter(
            "DefaultDomainName",
            f"The default domain {prefix}{DOMAIN_SUFFIX} is another account's id: only"
            f" {account_id}{DOMAIN_SUFFIX} or an alias may be the default domain.",
        )
    with ram.transaction(account_id) as tx:
        alias = None if prefix == account_id else prefix
        set_account_alias(ram, caller, alias, action="ram:SetDefaultDomain", within=tx)
        return default_domain(tx, account_id)


def _domain(name: str) -> Body:
    return {"DefaultDomainName": name}


ACTIONS = (
    RpcAction("GetDefaultDomain", _no_input, get_default_domain, _domain),
    RpcAction("SetDefaultDomain", _default_domain_name, set_default_domain, _domain),
    RpcAction(
        "GetPasswordPolicy",
        _no_input,
        lambda ram, caller, _: get_password_policy(ram, caller),
        render_password_policy,
    ),
    RpcAction(
        "SetPasswordPolicy", _password_policy_changes, set_password_policy, render_password_policy
    ),
    RpcAction("ChangePassword", own_password_change, change_own_password, no_body),
    RpcAction(
        "GetSecurityPreference",
        _no_input,
        lambda ram, caller, _: get_security_preference(ram, caller),
        render_security_preference,
    ),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)

    def set_preference(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        # Read by hand, not by RpcAction: an empty LoginNetworkMasks (clear them) is told from
        # an absent one only in the raw parameters.
        principal = ram.signed_in(caller)
        read = Parameters(params)
        for name in UNKEPT_PREFERENCES:
            if name in params:
                raise InvalidParameter(name, f"ramsts does not keep the setting {name}.")
        changes = requested_security_preference(read, params)
        return render_security_preference(set_security_preference(ram, principal, changes))

    table.add(IMS.version, "SetSecurityPreference", set_preference)
