"""GetPasswordPolicy, SetPasswordPolicy, ChangePassword, GetSecurityPreference,
SetSecurityPreference, GetDefaultDomain (Ims ``2019-08-15``): the account's settings RAM keeps
(the default domain is its alias's), and a RAM user changing its own password
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

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ramsts.errors import InvalidParameter
from ramsts.ims import API_VERSION
from ramsts.ims.principal_names import default_domain
from ramsts.parameters import Parameters
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


def _domain(name: str) -> Body:
    return {"DefaultDomainName": name}


ACTIONS = (
    RpcAction("GetDefaultDomain", _no_input, get_default_domain, _domain),
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
    register_actions(table, ram, ACTIONS, version=API_VERSION)

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

    table.add(API_VERSION, "SetSecurityPreference", set_preference)
