"""Every RAM action on a named entity decides on the entity as stored (issue #12, points 1–2).

The account holds the admin entities — user ``admin`` (a key, a login profile, an MFA device,
``AdminPolicy`` attached, member of ``admins``), group ``admins``, role ``AdminRole``, custom
policy ``AdminPolicy`` (two versions), the service-linked role ``AliyunServiceRoleForECS`` — and
dana, a delegated administrator allowed everything but those, by their real names.

* Whatever letter case a request spells a name in, the decision is the one on the stored name,
  and an allowed answer names the entity as stored.
* A look-alike of a name (the Kelvin sign K, a dotless ı, fullwidth letters, Cyrillic а) is
  refused as badly formed, never matched to the entity it resembles.
* Renames never change whom a decision is about: a role trusting ``user/<name>`` trusts the user
  that carried the name when the trust policy was written, and only while it still does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.parameters import Parameters
from ramsts.ram.arns import group_arn, policy_arn, role_arn, user_arn
from ramsts.ram.service import RamService
from ramsts.ram.totp import decode_base32_seed, totp
from ramsts.services import StoredKeyRing
from ramsts.store import Account, User
from ramsts.sts.assume_role import AssumeRole
from ramsts.sts.wire.revocation import revoke_role_sessions_action
from ramsts.sts.wire.sessions import assume_role_action

# The world is built once per test and every example only reads it or is refused; each example
# tries every action of the table.
REUSED_WORLD = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=12
)

ALLOW_ALL = json.dumps(
    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
PASSWORD = "Admin-Passw0rd!"
SLR = "AliyunServiceRoleForECS"
KMS_ROLE = "KmsAdmin"
"""A name with a K, for the Kelvin sign K that ``str.lower`` folds onto it."""


def trusting(*principals: str) -> str:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": principals}}
    return json.dumps({"Version": "1", "Statement": [statement]})


@dataclass
class World:
    ram: RamService
    actions: Any
    account: Account
    root: Caller
    dana: Caller
    reader: Caller
    admin_key: str
    spare_device: dict[str, Any]
    codes: dict[str, str]

    def call(self, caller: Caller, action: str, **params: str) -> dict[str, Any]:
        if action == "RevokeRoleSessions":
            revoke = revoke_role_sessions_action()
            return revoke.render(revoke.run(self.ram, caller, revoke.read(Parameters(params))))
        return self.actions.call(caller, action, **params)

    def outcome(self, caller: Caller, action: str, **params: str) -> dict[str, Any] | RamstsError:
        try:
            return self.call(caller, action, **params)
        except RamstsError as error:
            return error


def app_codes(device: dict[str, Any], now: datetime) -> dict[str, str]:
    """The previous and the current code of the device's authenticator app."""
    seed = decode_base32_seed(device["Base32StringSeed"])
    return {
        "AuthenticationCode1": totp(seed, now - timedelta(seconds=30)),
        "AuthenticationCode2": totp(seed, now),
    }


@pytest.fixture
def world(
    ram: RamService,
    ram_actions: Any,
    account: Account,
    root: Caller,
    make_user: Callable[[str], User],
    caller_for_user: Callable[[User], Caller],
    grant: Callable[..., None],
    clock: Any,
) -> World:
    def call(action: str, **params: str) -> dict[str, Any]:
        return ram_actions.call(root, action, **params)

    uid = account.account_id
    call("CreateUser", UserName="admin")
    admin_key = call("CreateAccessKey", UserName="admin")["AccessKey"]["AccessKeyId"]
    call("CreateLoginProfile", UserName="admin", Password=PASSWORD)
    call("CreateGroup", GroupName="admins")
    call("CreateGroup", GroupName="devs")
    call("AddUserToGroup", GroupName="admins", UserName="admin")
    call("CreatePolicy", PolicyName="AdminPolicy", PolicyDocument=ALLOW_ALL)
    call("CreatePolicyVersion", PolicyName="AdminPolicy", PolicyDocument=ALLOW_ALL)
    call("AttachPolicyToUser", PolicyType="Custom", PolicyName="AdminPolicy", UserName="admin")
    call("AttachPolicyToGroup", PolicyType="Custom", PolicyName="AdminPolicy", GroupName="admins")
    call(
        "CreateRole",
        RoleName="AdminRole",
        AssumeRolePolicyDocument=trusting(f"acs:ram::{uid}:root"),
    )
    call("AttachPolicyToRole", PolicyType="Custom", PolicyName="AdminPolicy", RoleName="AdminRole")
    call("CreateRole", RoleName=KMS_ROLE, AssumeRolePolicyDocument=trusting(f"acs:ram::{uid}:root"))
    call(
        "TagResources",
        ResourceType="role",
        ResourceNames='["AdminRole"]',
        Tag='[{"Key": "k", "Value": "v"}]',
    )
    call(
        "TagResources",
        ResourceType="policy",
        ResourceNames='["AdminPolicy"]',
        Tag='[{"Key": "k", "Value": "v"}]',
    )
    call("CreateServiceLinkedRole", ServiceName="ecs.aliyuncs.com")
    device = call("CreateVirtualMFADevice", VirtualMFADeviceName="admin-mfa")["VirtualMFADevice"]
    codes = app_codes(device, clock.now)
    call("BindMFADevice", SerialNumber=device["SerialNumber"], UserName="admin", **codes)
    spare = call("CreateVirtualMFADevice", VirtualMFADeviceName="spare")["VirtualMFADevice"]

    denied = [
        user_arn(uid, "admin"),
        group_arn(uid, "admins"),
        role_arn(uid, "AdminRole"),
        role_arn(uid, SLR),
        role_arn(uid, KMS_ROLE),
        policy_arn(uid, "AdminPolicy"),
        policy_arn(uid, "AdministratorAccess", "System"),
    ]
    dana = make_user("dana")
    grant(
        "User",
        dana.user_id,
        uid,
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": denied},
    )
    reader = make_user("reader")
    grant("User", reader.user_id, uid, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    return World(
        ram=ram,
        actions=ram_actions,
        account=account,
        root=root,
        dana=caller_for_user(dana),
        reader=caller_for_user(reader),
        admin_key=admin_key,
        spare_device=spare,
        codes=app_codes(spare, clock.now),
    )


@dataclass(frozen=True)
class Named:
    """One action on one of the admin entities: ``params(world, name)`` spells the entity
    ``name``; ``stored`` is how the store holds it and ``arn`` what it is authorized on."""

    action: str
    stored: str
    arn: Callable[[str, str], str]
    params: Callable[[World, str], dict[str, str]]
    reads: bool = False
    parameter: str = ""
    """The parameter that carries the name (the code of a badly formed one)."""


def on(parameter: str, **fixed: str) -> Callable[[World, str], dict[str, str]]:
    return lambda world, name: {**fixed, parameter: name}


def system_policy(account_id: str, name: str) -> str:
    return policy_arn(account_id, name, "System")


def user_named(action: str, reads: bool = False, **fixed: str) -> Named:
    return Named(action, "admin", user_arn, on("UserName", **fixed), reads, "UserName")


def group_named(action: str, reads: bool = False, **fixed: str) -> Named:
    return Named(action, "admins", group_arn, on("GroupName", **fixed), reads, "GroupName")


def role_named(action: str, reads: bool = False, **fixed: str) -> Named:
    return Named(action, "AdminRole", role_arn, on("RoleName", **fixed), reads, "RoleName")


def policy_named(action: str, reads: bool = False, **fixed: str) -> Named:
    return Named(action, "AdminPolicy", policy_arn, on("PolicyName", **fixed), reads, "PolicyName")


def tagged(action: str, resource_type: str, stored: str, **fixed: str) -> Named:
    arn = role_arn if resource_type == "role" else policy_arn
    return Named(
        action,
        stored,
        arn,
        lambda world, name: {
            **fixed,
            "ResourceType": resource_type,
            "ResourceNames": json.dumps([name]),
        },
        parameter="ResourceNames",
    )


CUSTOM = {"PolicyType": "Custom"}
SYSTEM_READ_ONLY = {"PolicyType": "System", "PolicyName": "ReadOnlyAccess"}
TAG = '[{"Key": "k", "Value": "w"}]'

NAMED: list[Named] = [
    user_named("GetUser", reads=True),
    user_named("UpdateUser", NewComments="taken over"),
    user_named("DeleteUser"),
    user_named("CreateAccessKey"),
    user_named("ListAccessKeys", reads=True),
    Named(
        "UpdateAccessKey",
        "admin",
        user_arn,
        lambda w, name: {"UserName": name, "UserAccessKeyId": w.admin_key, "Status": "Inactive"},
        parameter="UserName",
    ),
    Named(
        "DeleteAccessKey",
        "admin",
        user_arn,
        lambda w, name: {"UserName": name, "UserAccessKeyId": w.admin_key},
        parameter="UserName",
    ),
    Named(
        "GetAccessKeyLastUsed",
        "admin",
        user_arn,
        lambda w, name: {"UserName": name, "UserAccessKeyId": w.admin_key},
        reads=True,
        parameter="UserName",
    ),
    user_named("CreateLoginProfile", Password="Other-Passw0rd!"),
    user_named("GetLoginProfile", reads=True),
    user_named("UpdateLoginProfile", Password="Other-Passw0rd!", PasswordResetRequired="true"),
    user_named("DeleteLoginProfile"),
    user_named("ListGroupsForUser", reads=True),
    user_named("ListPoliciesForUser", reads=True),
    user_named("AttachPolicyToUser", **SYSTEM_READ_ONLY),
    user_named("DetachPolicyFromUser", PolicyType="Custom", PolicyName="AdminPolicy"),
    user_named("AddUserToGroup", GroupName="devs"),
    user_named("RemoveUserFromGroup", GroupName="devs"),
    Named(
        "BindMFADevice",
        "admin",
        user_arn,
        lambda w, name: {
            "UserName": name,
            "SerialNumber": w.spare_device["SerialNumber"],
            **w.codes,
        },
        parameter="UserName",
    ),
    user_named("UnbindMFADevice"),
    user_named("GetUserMFAInfo", reads=True),
    group_named("GetGroup", reads=True),
    group_named("UpdateGroup", NewComments="taken over"),
    group_named("DeleteGroup"),
    group_named("ListUsersForGroup", reads=True),
    group_named("AddUserToGroup", UserName="dana"),
    group_named("RemoveUserFromGroup", UserName="admin"),
    group_named("ListPoliciesForGroup", reads=True),
    group_named("AttachPolicyToGroup", **SYSTEM_READ_ONLY),
    group_named("DetachPolicyFromGroup", PolicyType="Custom", PolicyName="AdminPolicy"),
    role_named("GetRole", reads=True),
    role_named("UpdateRole", NewDescription="taken over"),
    role_named("DeleteRole"),
    role_named("ListPoliciesForRole", reads=True),
    role_named("AttachPolicyToRole", **SYSTEM_READ_ONLY),
    role_named("DetachPolicyFromRole", PolicyType="Custom", PolicyName="AdminPolicy"),
    role_named("RevokeRoleSessions"),
    Named("DeleteServiceLinkedRole", SLR, role_arn, on("RoleName"), parameter="RoleName"),
    tagged("TagResources", "role", "AdminRole", Tag=TAG),
    tagged("TagResources", "role", KMS_ROLE, Tag=TAG),
    Named("GetRole", KMS_ROLE, role_arn, on("RoleName"), reads=True, parameter="RoleName"),
    tagged("UntagResources", "role", "AdminRole", TagKeys='["k"]'),
    policy_named("GetPolicy", reads=True, **CUSTOM),
    policy_named("DeletePolicy"),
    policy_named("UpdatePolicyDescription", NewDescription="taken over"),
    policy_named("CreatePolicyVersion", PolicyDocument=ALLOW_ALL, SetAsDefault="true"),
    policy_named("GetPolicyVersion", reads=True, VersionId="v1", **CUSTOM),
    policy_named("DeletePolicyVersion", VersionId="v1"),
    policy_named("ListPolicyVersions", reads=True, **CUSTOM),
    policy_named("SetDefaultPolicyVersion", VersionId="v1"),
    policy_named("ListEntitiesForPolicy", reads=True, **CUSTOM),
    policy_named("AttachPolicyToUser", UserName="dana", **CUSTOM),
    policy_named("DetachPolicyFromUser", UserName="dana", **CUSTOM),
    tagged("TagResources", "policy", "AdminPolicy", Tag=TAG),
    tagged("UntagResources", "policy", "AdminPolicy", TagKeys='["k"]'),
    Named(
        "AttachPolicyToUser",
        "AdministratorAccess",
        system_policy,
        on("PolicyName", PolicyType="System", UserName="dana"),
        parameter="PolicyName",
    ),
    Named(
        "GetPolicy",
        "AdministratorAccess",
        system_policy,
        on("PolicyName", PolicyType="System"),
        reads=True,
        parameter="PolicyName",
    ),
]
READS = [named for named in NAMED if named.reads]


def label(named: Named) -> str:
    return f"{named.action}({named.stored})"


def case_variants(name: str) -> st.SearchStrategy[str]:
    """``name`` with each letter in either case."""
    return st.tuples(*(st.sampled_from(sorted({c.lower(), c.upper()})) for c in name)).map("".join)


LOOK_ALIKES = {
    "k": ["\u212a"],  # KELVIN SIGN: str.lower() gives "k"
    "i": ["\u0131", "\u0130"],  # dotless ı; İ, whose lower() is "i̇"
    "s": ["\u017f"],  # LONG S: str.upper() gives "S"
    "a": ["\u0430", "\uff41"],  # CYRILLIC а; FULLWIDTH ａ
    "d": ["\uff44"],
    "e": ["\u0435"],
    "o": ["\u043e"],
    "p": ["\u0440"],
}


def look_alikes(name: str) -> st.SearchStrategy[str]:
    """``name`` with at least one letter swapped for a character that looks like it."""
    positions = [i for i, c in enumerate(name) if c.lower() in LOOK_ALIKES]

    def swapped(data: tuple[int, int]) -> str:
        index, choice = data
        options = LOOK_ALIKES[name[index].lower()]
        return name[:index] + options[choice % len(options)] + name[index + 1 :]

    return st.tuples(st.sampled_from(positions), st.integers(0, 3)).map(swapped)


def refused_on(outcome: dict[str, Any] | RamstsError) -> str:
    """The resource a NoPermission names (``Resource: <arn> Action: <action>``)."""
    assert isinstance(outcome, RamstsError) and outcome.code == "NoPermission", outcome
    return outcome.message.split("Resource: ", 1)[1].split(" Action: ", 1)[0]


@REUSED_WORLD
@given(data=st.data())
def test_any_letter_case_of_a_denied_name_is_refused_on_the_stored_entity(
    world: World, data: st.DataObject
) -> None:
    for named in NAMED:
        requested = data.draw(case_variants(named.stored), label=label(named))
        outcome = world.outcome(world.dana, named.action, **named.params(world, requested))
        assert refused_on(outcome) == named.arn(world.account.account_id, named.stored), label(
            named
        )


@REUSED_WORLD
@given(data=st.data())
def test_any_letter_case_of_a_name_reads_what_the_stored_name_reads(
    world: World, data: st.DataObject
) -> None:
    for named in READS:
        requested = data.draw(case_variants(named.stored), label=label(named))
        expected = world.call(world.reader, named.action, **named.params(world, named.stored))
        answer = world.call(world.reader, named.action, **named.params(world, requested))
        assert answer == expected, label(named)


@REUSED_WORLD
@given(data=st.data())
def test_a_look_alike_of_a_name_is_refused_as_badly_formed_never_matched(
    world: World, data: st.DataObject
) -> None:
    for named in NAMED:
        requested = data.draw(look_alikes(named.stored), label=label(named))
        for caller in (world.dana, world.root):
            outcome = world.outcome(caller, named.action, **named.params(world, requested))
            assert isinstance(outcome, RamstsError), label(named)
            assert outcome.code.startswith(f"InvalidParameter.{named.parameter}"), outcome


@REUSED_WORLD
@given(data=st.data())
@pytest.mark.parametrize(
    ("action", "parameter", "name", "new_name_parameter", "arn"),
    [
        ("UpdateUser", "UserName", "admin", "NewUserName", user_arn),
        ("UpdateGroup", "GroupName", "admins", "NewGroupName", group_arn),
    ],
)
def test_after_any_case_changing_rename_requests_decide_on_the_new_stored_name(
    world: World,
    action: str,
    parameter: str,
    name: str,
    new_name_parameter: str,
    arn: Callable[[str, str], str],
    data: st.DataObject,
) -> None:
    """The root respells the entity; dana's Deny names the old spelling only, so whether she
    is refused follows the name the entity carries now, whatever spelling she asks with. Each
    example also tries the two pairs that tell the stored name from the requested one."""
    drawn = (
        data.draw(case_variants(name), label="stored"),
        data.draw(case_variants(name), label="requested"),
    )
    for stored, requested in ((name, name.upper()), (name.upper(), name), drawn):
        world.call(world.root, action, **{parameter: name, new_name_parameter: stored})
        resource = arn(world.account.account_id, stored)
        decision = world.ram.authorizer.decide(world.dana, f"ram:{action}", resource)
        outcome = world.outcome(world.dana, action, **{parameter: requested, "NewComments": "x"})
        if decision.allowed:
            assert not isinstance(outcome, RamstsError), outcome
            kind = "User" if action == "UpdateUser" else "Group"
            assert outcome[kind][parameter] == stored
        else:
            assert refused_on(outcome) == resource


def test_a_missing_entity_is_authorized_on_the_requested_name_before_it_is_missing(
    world: World, make_user: Callable[[str], User], caller_for_user: Callable[[User], Caller]
) -> None:
    """No existence oracle: a caller kept from a name learns nothing of whether it exists."""
    uid = world.account.account_id
    eve = caller_for_user(make_user("eve"))
    assert refused_on(world.outcome(eve, "GetUser", UserName="ghost")) == user_arn(uid, "ghost")
    assert refused_on(world.outcome(eve, "GetUser", UserName="ADMIN")) == user_arn(uid, "admin")
    assert world.outcome(world.dana, "GetUser", UserName="ghost").code == "EntityNotExist.User"


def test_the_kelvin_sign_names_no_role_with_a_k(world: World) -> None:
    """``"\u212amsAdmin".lower() == "kmsadmin"``: the store folds ASCII letters only, and a
    ResourceNames item is a role name or nothing."""
    kelvin = "\u212amsAdmin"
    tag = {"ResourceType": "role", "ResourceNames": json.dumps([kelvin]), "Tag": TAG}
    assert world.outcome(world.root, "TagResources", **tag).code == "InvalidParameter.ResourceNames"
    listed = world.call(world.root, "ListTagResources", ResourceType="role")["TagResources"]
    assert [t["ResourceName"] for t in listed] == ["AdminRole"]
    assert world.outcome(world.root, "GetRole", RoleName=kelvin).code == (
        "InvalidParameter.RoleName.InvalidChars"
    )


def test_a_serial_number_names_a_device_exactly(world: World) -> None:
    """Serial numbers are ARNs, matched exactly: another spelling is another (missing) device."""
    serial = world.spare_device["SerialNumber"]
    respelled = serial.replace("spare", "SPARE")
    outcome = world.outcome(world.dana, "DeleteVirtualMFADevice", SerialNumber=respelled)
    assert outcome.code == "EntityNotExist.VirtualMFADevice"
    assert world.call(world.dana, "DeleteVirtualMFADevice", SerialNumber=serial) == {}


# -- trust by stable id ----------------------------------------------------------------------

Operation = tuple[str, int, int]
"""(what, which user, which name): rename a user, delete it, or create one with a name."""

NAMES = ("alice", "bob", "carol")


@dataclass
class Trusting:
    """AssumeRole over the world's store, reading roles afresh on every call."""

    world: World
    assume_role: AssumeRole
    grant: Callable[..., None]
    prefixes: Iterator[int]

    def user(self, name: str) -> User:
        """A new user, allowed ``sts:AssumeRole`` by its own policy."""
        world = self.world
        created = world.call(world.root, "CreateUser", UserName=name)["User"]
        user = _stored(world, created["UserId"])
        allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        self.grant("User", user.user_id, world.account.account_id, allow)
        return user

    def assumes(self, caller: Caller, role: str) -> bool:
        params = {"RoleArn": role_arn(self.world.account.account_id, role), "RoleSessionName": "s1"}
        try:
            assume_role_action(self.assume_role).handler()(caller, params)
        except RamstsError as error:
            assert error.code == "NoPermission"
            return False
        return True


@pytest.fixture
def trusting_world(world: World, grant: Callable[..., None]) -> Trusting:
    ring = StoredKeyRing(world.ram.store, world.ram.master_key, clock=world.ram.clock)
    assume_role = AssumeRole(
        world.ram.store, world.ram.authorizer, ring, clock=world.ram.clock, role_cache_ttl=0
    )
    return Trusting(world, assume_role, grant, count(1))


operations = st.lists(
    st.tuples(
        st.sampled_from(["rename", "delete", "create"]),
        st.integers(0, 9),
        st.integers(0, len(NAMES) - 1),
    ),
    max_size=8,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(steps=operations)
def test_renames_deletes_and_new_users_never_change_whom_a_trust_policy_trusts(
    trusting_world: Trusting,
    caller_for_user: Callable[[User], Caller],
    steps: list[Operation],
) -> None:
    """Whatever happens to the names, a role trusting ``user/alice`` may be assumed by exactly
    the user that was alice when the trust policy was written, while it is still called so."""
    world = trusting_world.world
    uid = world.account.account_id
    prefix = f"p{next(trusting_world.prefixes)}"
    names = [f"{prefix}-{name}" for name in NAMES]

    trusted = trusting_world.user(names[0])
    role = f"{prefix}-role"
    world.call(
        world.root,
        "CreateRole",
        RoleName=role,
        AssumeRolePolicyDocument=trusting(user_arn(uid, names[0])),
    )
    users = [trusted]
    for what, which, name_index in steps:
        taken = {user.user_name.lower() for user in users}
        name = names[name_index]
        if what == "create" and name not in taken:
            users.append(trusting_world.user(name))
        elif users and what == "rename" and name not in taken:
            user = users[which % len(users)]
            world.call(world.root, "UpdateUser", UserName=user.user_name, NewUserName=name)
            users[which % len(users)] = _stored(world, user.user_id)
        elif users and what == "delete":
            _delete(world, users.pop(which % len(users)))
        for user in users:
            expected = user.user_id == trusted.user_id and user.user_name == names[0]
            assert trusting_world.assumes(caller_for_user(user), role) is expected, user


def test_only_a_trust_policy_written_anew_binds_its_names_anew(
    trusting_world: Trusting, caller_for_user: Callable[[User], Caller]
) -> None:
    world = trusting_world.world
    uid = world.account.account_id
    document = trusting(user_arn(uid, "ops-admin"))
    first = trusting_world.user("ops-admin")
    world.call(world.root, "CreateRole", RoleName="ops", AssumeRolePolicyDocument=document)
    assert trusting_world.assumes(caller_for_user(first), "ops")
    _delete(world, first)
    second = trusting_world.user("ops-admin")
    world.call(world.root, "UpdateRole", RoleName="ops", NewDescription="still the first one")
    assert not trusting_world.assumes(caller_for_user(second), "ops")
    world.call(world.root, "UpdateRole", RoleName="OPS", NewAssumeRolePolicyDocument=document)
    assert trusting_world.assumes(caller_for_user(second), "ops")


def test_a_trust_policy_may_name_the_role_it_belongs_to(
    trusting_world: Trusting, caller_for_user: Callable[[User], Caller]
) -> None:
    """CreateRole binds the names once the role exists: a role may trust its own sessions."""
    world = trusting_world.world
    uid = world.account.account_id
    document = trusting(f"acs:ram::{uid}:root", role_arn(uid, "relay"))
    role = world.call(world.root, "CreateRole", RoleName="relay", AssumeRolePolicyDocument=document)
    role_id = role["Role"]["RoleId"]
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    trusting_world.grant("Role", role_id, uid, allow)
    session = Caller(
        account_id=uid,
        identity_type="AssumedRoleUser",
        arn=f"acs:ram::{uid}:assumed-role/relay/s1",
        principal_id=f"{role_id}:s1",
        access_key_id="STS.NotUsedForSigning",
        display_name="relay/s1",
        role_id=role_id,
        role_name="relay",
        session_name="s1",
    )
    assert trusting_world.assumes(session, "relay")


def _delete(world: World, user: User) -> None:
    attached = world.call(world.root, "ListPoliciesForUser", UserName=user.user_name)
    for policy in attached["Policies"]["Policy"]:
        world.call(
            world.root,
            "DetachPolicyFromUser",
            PolicyType=policy["PolicyType"],
            PolicyName=policy["PolicyName"],
            UserName=user.user_name,
        )
    world.call(world.root, "DeleteUser", UserName=user.user_name)


def _stored(world: World, user_id: str) -> User:
    with world.ram.store.read() as tx:
        found = tx.users.get_by_id(user_id)
    assert found is not None
    return found
