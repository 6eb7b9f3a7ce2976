"""Use cases composed in one transaction (``within``), as the console's Create User form runs
them: the user, its login profile, its AccessKey and its groups. Each is authorized as its own
action; a refusal of any part — by the password policy, a policy, a quota, a name taken —
leaves nothing of the others behind, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram.access_keys import KeyOwner, NewAccessKey, create_access_key
from ramsts.ram.groups import Membership, add_user_to_group
from ramsts.ram.login_profiles import NewLoginProfile, create_login_profile
from ramsts.ram.passwords import PasswordPolicy
from ramsts.ram.quotas import Quotas
from ramsts.ram.service import RamService
from ramsts.ram.users import NewUser, create_user
from ramsts.store import Account, User
from ramsts.types import Secret

PASSWORD = "New-User-Passw0rd!"


def create_with_access(
    ram: RamService, caller: Caller, name: str, password: str = PASSWORD, groups: Sequence[str] = ()
) -> NewAccessKey:
    """The user ``name``, console access with ``password``, an AccessKey, membership of
    ``groups``: one transaction."""
    with ram.transaction(caller.account_id) as tx:
        user = create_user(ram, caller, NewUser(name, display_name="New"), tx)
        create_login_profile(ram, caller, NewLoginProfile(name, Secret(password)), tx)
        key = create_access_key(ram, caller, KeyOwner(user.user_name), tx)
        for group in groups:
            add_user_to_group(ram, caller, Membership(group, name), tx)
        return key


def refusal(
    ram: RamService, caller: Caller, name: str, password: str = PASSWORD, groups: Sequence[str] = ()
) -> str:
    with pytest.raises(RamstsError) as refused:
        create_with_access(ram, caller, name, password, groups)
    return refused.value.code


def left_behind(ram: RamService, account: Account, name: str) -> list[str]:
    """What exists of user ``name``: the user, its login profile, its keys."""
    with ram.store.read() as tx:
        user = tx.users.get(account.account_id, name)
        if user is None:
            return []
        found = ["user"]
        if tx.login_profiles.get(user.user_id) is not None:
            found.append("login profile")
        keys = tx.access_keys.list_for(account.account_id, user.user_id)
        groups = tx.groups.list_for_user(user.user_id)
        return found + ["access key"] * len(keys) + [m.group.group_name for m in groups]


@pytest.fixture
def administrator(
    make_user: Callable[[str], User],
    caller_for_user: Callable[[User], Caller],
    grant: Callable[..., None],
) -> Callable[..., Caller]:
    """A RAM user allowed ``actions``, and nothing else, on every resource."""

    def make(*actions: str) -> Caller:
        user = make_user("admin")
        grant(
            "User",
            user.user_id,
            user.account_id,
            {"Effect": "Allow", "Action": list(actions), "Resource": "*"},
        )
        return caller_for_user(user)

    return make


def test_the_user_its_login_profile_and_its_access_key_commit_together(
    ram: RamService, root: Caller, account: Account
) -> None:
    created = create_with_access(ram, root, "dora")
    assert len(created.secret.reveal()) == 30
    assert left_behind(ram, account, "dora") == ["user", "login profile", "access key"]


def test_a_password_the_policy_refuses_leaves_no_user(
    ram: RamService, root: Caller, account: Account
) -> None:
    with ram.store.transaction() as tx:
        policy = PasswordPolicy(minimum_password_length=14).render()
        tx.account_settings.set_password_policy(account.account_id, policy)
    assert refusal(ram, root, "dora", "Short-Pass1") == "InvalidParameter.Password.TooWeak"
    assert left_behind(ram, account, "dora") == []


def test_a_refused_access_key_leaves_neither_the_user_nor_its_login_profile(
    ram: RamService, account: Account, administrator: Callable[..., Caller]
) -> None:
    admin = administrator("ram:CreateUser", "ram:CreateLoginProfile")
    assert refusal(ram, admin, "erin") == "NoPermission"
    assert left_behind(ram, account, "erin") == []


def test_a_principal_not_allowed_the_login_profile_leaves_no_user_though_it_may_not_delete_one(
    ram: RamService, account: Account, administrator: Callable[..., Caller]
) -> None:
    admin = administrator("ram:CreateUser", "ram:CreateAccessKey")
    assert refusal(ram, admin, "fred") == "NoPermission"
    assert left_behind(ram, account, "fred") == []


def test_a_name_taken_or_a_quota_reached_refuses_the_whole(
    ram: RamService, root: Caller, account: Account
) -> None:
    create_with_access(ram, root, "gus")
    assert refusal(ram, root, "GUS") == "EntityAlreadyExists.User"
    assert left_behind(ram, account, "gus") == ["user", "login profile", "access key"]
    one_user = RamService(
        store=ram.store,
        master_key=ram.master_key,
        authorizer=ram.authorizer,
        quotas=Quotas(users=1),
    )
    assert refusal(one_user, root, "hal") == "LimitExceeded.User"
    assert left_behind(ram, account, "hal") == []


def test_groups_joined_in_the_same_transaction_and_one_too_many_undoes_everything(
    ram: RamService, root: Caller, account: Account
) -> None:
    names = [f"team-{number}" for number in range(6)]
    with ram.store.transaction() as tx:
        for name in names:
            tx.groups.create(account.account_id, group_name=name, comments="", now=ram.now())
    create_with_access(ram, root, "jo", groups=names[:2])
    assert left_behind(ram, account, "jo") == [
        "user",
        "login profile",
        "access key",
        "team-0",
        "team-1",
    ]
    assert refusal(ram, root, "kim", groups=names) == "LimitExceeded.User.Group"
    assert left_behind(ram, account, "kim") == []
    assert refusal(ram, root, "lee", groups=["no-such-group"]) == "EntityNotExist.Group"
    assert left_behind(ram, account, "lee") == []


def test_inputs_built_without_a_request_are_checked_as_the_api_checks_its_parameters() -> None:
    with pytest.raises(RamstsError) as bad_name:
        NewUser("no spaces")
    assert bad_name.value.code == "InvalidParameter.UserName.InvalidChars"
    with pytest.raises(RamstsError) as no_password:
        NewLoginProfile("ivy", Secret(""))
    assert no_password.value.code == "MissingParameter"
    with pytest.raises(RamstsError) as long_comments:
        NewUser("ivy", comments="x" * 129)
    assert long_comments.value.code == "InvalidParameter.Comments.Length"
