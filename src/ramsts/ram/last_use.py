"""When a user and a role were last used, from the audit trail (issue #16): the console's
"last used" on a user's and a role's page.

The real RAM has no wire field for either (``GetUser`` answers ``LastLoginDate``, which the
sign-in keeps; ``GetRole`` and ``ListRoles`` say nothing of a role's use), so these are use
cases for the console only, authorized as reading the user (``ram:GetUser``) or the role
(``ram:GetRole``) is. An AccessKey's last use, which the API answers too, is
:func:`ramsts.ram.access_keys.get_access_key_last_used`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.parameters import required_text
from ramsts.ram.entities import ROLE, ROLE_REFERENCE, USER, USER_NAME
from ramsts.store import LastUse, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService


@dataclass(frozen=True, slots=True)
class UserActivity:
    """What the trail last saw a user do; ``None``: nothing it still holds."""

    last_console_sign_in: LastUse | None
    last_api_call: LastUse | None


def get_user_activity(
    ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
) -> UserActivity:
    required_text("UserName", user_name, USER_NAME)
    with ram.read(within=within) as tx:
        user = ram.authorized(tx, caller, "ram:GetUser", USER, user_name)
        return UserActivity(
            last_console_sign_in=tx.audit_events.user_last_signed_in(user),
            last_api_call=tx.audit_events.user_last_called(user),
        )


def get_role_last_used(
    ram: RamService, caller: Caller, role_name: str, within: Transaction | None = None
) -> LastUse | None:
    """The role's last successful AssumeRole (with SAML or OIDC too)."""
    required_text("RoleName", role_name, ROLE_REFERENCE)
    with ram.read(within=within) as tx:
        role = ram.authorized(tx, caller, "ram:GetRole", ROLE, role_name)
        return tx.audit_events.role_last_assumed(role)
