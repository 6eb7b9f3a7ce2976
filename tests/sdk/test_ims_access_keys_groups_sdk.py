"""Ims (2019-08-15) AccessKeys and groups through alibabacloud-ims20190815 against a live
server, on SQLite and PostgreSQL: RAM's keys and groups, their owners and members named by
UserPrincipalName, RAM's rules, errors and authorization.

One server per store for the whole module (``module_live_server``): each test makes users and
groups of its own names."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ims20190815 import models as ims
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from ims_clients import ims_client, upn
from live_server import LiveServer

from trail_calls import trail_written

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("ims-keys-groups")]


@pytest.fixture(scope="module")
def server(module_live_server: LiveServer) -> LiveServer:
    return module_live_server


def test_a_users_keys_are_made_listed_disabled_and_deleted_through_ims_as_ram_sees_them(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="kim"))
    kim = upn(server, "kim")
    created = ims_root.create_access_key(ims.CreateAccessKeyRequest(user_principal_name=kim))
    key = created.body.access_key
    assert (key.status, len(key.access_key_secret) >= 30) == ("Active", True)
    assert key.create_date.endswith("Z")

    ims_root.update_access_key(
        ims.UpdateAccessKeyRequest(
            user_principal_name=kim, user_access_key_id=key.access_key_id, status="Inactive"
        )
    )
    listed = ims_root.list_access_keys(ims.ListAccessKeysRequest(user_principal_name=kim))
    assert [(k.access_key_id, k.status) for k in listed.body.access_keys.access_key] == [
        (key.access_key_id, "Inactive")
    ]
    seen = ram_root.list_access_keys(ram.ListAccessKeysRequest(user_name="kim"))
    assert [k.status for k in seen.body.access_keys.access_key] == ["Inactive"]
    listed_secrets = str(listed.body.to_map())
    assert key.access_key_secret not in listed_secrets

    last_used = ims_root.get_access_key_last_used(
        ims.GetAccessKeyLastUsedRequest(
            user_principal_name=kim, user_access_key_id=key.access_key_id
        )
    ).body.access_key_last_used
    assert (last_used.last_used_date, last_used.service_name) == ("", "")

    ims_root.delete_access_key(
        ims.DeleteAccessKeyRequest(user_principal_name=kim, user_access_key_id=key.access_key_id)
    )
    with pytest.raises(ClientException) as gone:
        ims_root.delete_access_key(
            ims.DeleteAccessKeyRequest(
                user_principal_name=kim, user_access_key_id=key.access_key_id
            )
        )
    assert (gone.value.code, gone.value.status_code) == ("EntityNotExist.User.AccessKey", 404)


def test_a_key_used_through_ims_says_when_and_for_which_service(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="lee"))
    lee = upn(server, "lee")
    key = ims_root.create_access_key(
        ims.CreateAccessKeyRequest(user_principal_name=lee)
    ).body.access_key
    with pytest.raises(ClientException):  # signed by lee's key, refused: still a use of it
        ims_client(server, (key.access_key_id, key.access_key_secret)).list_users(
            ims.ListUsersRequest()
        )
    trail_written(server.services)
    last_used = ims_root.get_access_key_last_used(
        ims.GetAccessKeyLastUsedRequest(
            user_principal_name=lee, user_access_key_id=key.access_key_id
        )
    ).body.access_key_last_used
    assert last_used.last_used_date.endswith("Z")
    assert last_used.service_name == "Ims"


def test_without_a_principal_name_the_caller_acts_on_its_own_keys(
    server: LiveServer, ims_root: ImsClient
) -> None:
    own = ims_root.list_access_keys(ims.ListAccessKeysRequest()).body.access_keys.access_key
    assert server.access_key_id in [key.access_key_id for key in own]


def test_a_role_session_must_name_whose_keys_it_lists(
    server: LiveServer, ram_root: RamClient
) -> None:
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{server.account_id}:root"]},
            }
        ],
    }
    role = ram_root.create_role(
        ram.CreateRoleRequest(
            role_name="keys-auditor", assume_role_policy_document=json.dumps(trust)
        )
    ).body.role
    assume = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn}],
    }
    ram_root.create_user(ram.CreateUserRequest(user_name="rex"))
    ram_root.create_policy(
        ram.CreatePolicyRequest(policy_name="AssumeAuditor", policy_document=json.dumps(assume))
    )
    ram_root.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(
            policy_type="Custom", policy_name="AssumeAuditor", user_name="rex"
        )
    )
    rex = ram_root.create_access_key(ram.CreateAccessKeyRequest(user_name="rex")).body.access_key
    sts = StsClient(
        Config(
            access_key_id=rex.access_key_id,
            access_key_secret=rex.access_key_secret,
            endpoint=server.endpoint,
            protocol="http",
        )
    )
    session = sts.assume_role(
        sts_models.AssumeRoleRequest(role_arn=role.arn, role_session_name="audit")
    ).body.credentials
    auditor = ImsClient(
        Config(
            access_key_id=session.access_key_id,
            access_key_secret=session.access_key_secret,
            security_token=session.security_token,
            endpoint=server.endpoint,
            protocol="http",
        )
    )
    with pytest.raises(ClientException) as refused:
        auditor.list_access_keys(ims.ListAccessKeysRequest())
    assert (refused.value.code, refused.value.status_code) == ("MissingParameter", 400)
    assert "UserPrincipalName" in refused.value.message


def test_a_user_may_not_make_keys_for_another_without_a_grant(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    for name in ("mia", "ned"):
        ram_root.create_user(ram.CreateUserRequest(user_name=name))
    key = ims_root.create_access_key(
        ims.CreateAccessKeyRequest(user_principal_name=upn(server, "mia"))
    ).body.access_key
    mia = ims_client(server, (key.access_key_id, key.access_key_secret))
    with pytest.raises(ClientException) as refused:
        mia.create_access_key(ims.CreateAccessKeyRequest(user_principal_name=upn(server, "ned")))
    assert (refused.value.code, refused.value.status_code) == ("NoPermission", 403)


def test_a_group_is_made_joined_listed_left_and_deleted_through_ims_as_ram_sees_it(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="ola", display_name="Ola"))
    created = ims_root.create_group(
        ims.CreateGroupRequest(group_name="ops", comments="on call")
    ).body.group
    assert (created.group_name, created.comments, created.display_name) == ("ops", "on call", "")
    assert ram_root.get_group(ram.GetGroupRequest(group_name="OPS")).body.group.group_id == (
        created.group_id
    )

    ola = upn(server, "ola")
    ims_root.add_user_to_group(ims.AddUserToGroupRequest(group_name="ops", user_principal_name=ola))
    members = ims_root.list_users_for_group(ims.ListUsersForGroupRequest(group_name="ops")).body
    assert [(u.user_principal_name, u.display_name) for u in members.users.user] == [(ola, "Ola")]
    joined = ims_root.list_groups_for_user(ims.ListGroupsForUserRequest(user_principal_name=ola))
    assert [g.group_name for g in joined.body.groups.group] == ["ops"]
    assert joined.body.groups.group[0].join_date.endswith("Z")

    with pytest.raises(ClientException) as busy:
        ims_root.delete_group(ims.DeleteGroupRequest(group_name="ops"))
    assert busy.value.code == "DeleteConflict.Group.User"

    ims_root.remove_user_from_group(
        ims.RemoveUserFromGroupRequest(group_name="ops", user_principal_name=ola)
    )
    renamed = ims_root.update_group(
        ims.UpdateGroupRequest(group_name="ops", new_group_name="sre", new_comments="renamed")
    ).body.group
    assert (renamed.group_name, renamed.comments) == ("sre", "renamed")
    listed = ims_root.list_groups(ims.ListGroupsRequest()).body
    assert "sre" in [group.group_name for group in listed.groups.group]
    ims_root.delete_group(ims.DeleteGroupRequest(group_name="sre"))
    with pytest.raises(ClientException) as gone:
        ims_root.get_group(ims.GetGroupRequest(group_name="sre"))
    assert (gone.value.code, gone.value.status_code) == ("EntityNotExist.Group", 404)


def test_a_group_display_name_is_refused_rather_than_dropped(ims_root: ImsClient) -> None:
    with pytest.raises(ClientException) as refused:
        ims_root.create_group(ims.CreateGroupRequest(group_name="named", display_name="Named"))
    assert (refused.value.code, refused.value.status_code) == ("InvalidParameter.DisplayName", 400)
