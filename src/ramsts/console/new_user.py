"""Create User as the console's form asks for it: the user and, if asked, its console access
(a login profile), an AccessKey and its groups, in one transaction — either all of it exists
afterwards, or nothing does.

Each part is its own use case, authorized as its own action (``ram:CreateUser``,
``ram:CreateLoginProfile``, ``ram:CreateAccessKey``, ``ram:AddUserToGroup``), exactly as the
same calls signed with an AccessKey would be; a refusal of any part, by a policy, the password
policy or a quota, rolls back the parts before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ramsts.caller import Caller
from ramsts.ram.access_keys import KeyOwner, NewAccessKey, create_access_key
from ramsts.ram.groups import Membership, add_user_to_group
from ramsts.ram.login_profiles import NewLoginProfile, create_login_profile
from ramsts.ram.service import RamService
from ramsts.ram.users import NewUser, create_user
from ramsts.store import User


@dataclass(frozen=True, slots=True)
class NewUserForm:
    user: NewUser
    console_access: NewLoginProfile | None = None
    """``None``: no console access."""
    access_key: bool = False
    """Whether the user gets an AccessKey (OpenAPI access)."""
    groups: tuple[str, ...] = ()
    """The groups it joins."""


@dataclass(frozen=True, slots=True)
class CreatedUser:
    user: User
    access_key: NewAccessKey | None
    """With its secret, to be shown this once."""


def create_user_with_access(ram: RamService, caller: Caller, form: NewUserForm) -> CreatedUser:
    with ram.transaction(caller.account_id) as tx:
        user = create_user(ram, caller, form.user, tx)
        if form.console_access is not None:
            create_login_profile(ram, caller, form.console_access, tx)
        key = None
        if form.access_key:
            key = create_access_key(ram, caller, KeyOwner(user.user_name), tx)
        for group_name in form.groups:
            add_user_to_group(ram, caller, Membership(group_name, user.user_name), tx)
    return CreatedUser(user, key)
