"""Ims (2019-08-15) users and login profiles through alibabacloud-ims20190815 against a live
server, on SQLite and PostgreSQL: the same users RAM serves, named by UserPrincipalName, with
Ims's shapes, RAM's rules and errors, and authorization as ram:<Action> on the user's ARN.

One server per store for the whole module (``module_live_server``): each test makes users of
its own names."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ims20190815 import models as ims
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from ims_clients import ims_client, upn
from live_server import LiveServer
from rpc_sdks import Signer, tea_rpc

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("ims-users")]


@pytest.fixture(scope="module")
def server(module_live_server: LiveServer) -> LiveServer:
    return module_live_server


def test_a_user_created_through_ims_is_the_user_ram_sees(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    created = ims_root.create_user(
        ims.CreateUserRequest(
            user_principal_name=upn(server, "ann"),
            display_name="Ann",
            email="ann@example.com",
            mobile_phone="86-18600008888",
            comments="from Ims",
        )
    ).body.user
    assert created.user_principal_name == upn(server, "ann")
    assert created.create_date.endswith("Z")
    assert created.update_date == created.create_date
    seen = ram_root.get_user(ram.GetUserRequest(user_name="ann")).body.user
    assert (seen.user_id, seen.display_name, seen.email, seen.mobile_phone, seen.comments) == (
        created.user_id,
        "Ann",
        "ann@example.com",
        "86-18600008888",
        "from Ims",
    )


def test_a_user_created_through_ram_is_found_by_name_id_or_access_key(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    made = ram_root.create_user(ram.CreateUserRequest(user_name="ben", display_name="Ben"))
    user_id = made.body.user.user_id
    key = ram_root.create_access_key(ram.CreateAccessKeyRequest(user_name="ben")).body
    by_name = ims_root.get_user(ims.GetUserRequest(user_principal_name=upn(server, "BEN")))
    by_id = ims_root.get_user(ims.GetUserRequest(user_id=user_id))
    by_key = ims_root.get_user(ims.GetUserRequest(user_access_key_id=key.access_key.access_key_id))
    for found in (by_name, by_id, by_key):
        assert found.body.user.user_principal_name == upn(server, "ben")
        assert found.body.user.user_id == user_id
        assert found.body.user.display_name == "Ben"
        assert found.body.user.last_login_date == ""


def test_a_user_is_renamed_changed_listed_and_deleted_through_ims(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ims_root.create_user(ims.CreateUserRequest(user_principal_name=upn(server, "cat")))
    changed = ims_root.update_user(
        ims.UpdateUserRequest(
            user_principal_name=upn(server, "cat"),
            new_user_principal_name=upn(server, "cathy"),
            new_comments="renamed",
        )
    ).body.user
    assert changed.user_principal_name == upn(server, "cathy")
    assert ram_root.get_user(ram.GetUserRequest(user_name="cathy")).body.user.comments == "renamed"

    listed = ims_root.list_users(ims.ListUsersRequest(max_items=1000)).body
    assert upn(server, "cathy") in [user.user_principal_name for user in listed.users.user]
    assert listed.is_truncated is False

    ims_root.delete_user(ims.DeleteUserRequest(user_id=changed.user_id))
    with pytest.raises(ClientException) as gone:
        ram_root.get_user(ram.GetUserRequest(user_name="cathy"))
    assert gone.value.code == "EntityNotExist.User"


BAD_NAME = "InvalidParameter.UserPrincipalName"


@pytest.mark.parametrize(
    ("named", "code", "status"),
    [
        ({"user_principal_name": "nobody@elsewhere.onaliyun.com"}, BAD_NAME, 400),
        ({"user_principal_name": "nobody"}, BAD_NAME, 400),
        ({"user_principal_name": "no body@{account}.onaliyun.com"}, BAD_NAME, 400),
        ({"user_principal_name": "nobody@{account}.onaliyun.com"}, "EntityNotExist.User", 404),
        ({"user_id": "200000000000000000"}, "EntityNotExist.User", 404),
        ({}, "MissingParameter", 400),
    ],
)
def test_a_user_named_wrongly_or_not_there_is_refused_as_the_real_service_does(
    server: LiveServer, ims_root: ImsClient, named: dict[str, str], code: str, status: int
) -> None:
    spelled = {key: value.format(account=server.account_id) for key, value in named.items()}
    with pytest.raises(ClientException) as refused:
        ims_root.get_user(ims.GetUserRequest(**spelled))
    assert (refused.value.code, refused.value.status_code) == (code, status)


def test_a_second_user_of_the_same_name_in_any_case_already_exists(
    server: LiveServer, ims_root: ImsClient
) -> None:
    ims_root.create_user(ims.CreateUserRequest(user_principal_name=upn(server, "dan")))
    with pytest.raises(ClientException) as refused:
        ims_root.create_user(ims.CreateUserRequest(user_principal_name=upn(server, "DAN")))
    assert (refused.value.code, refused.value.status_code) == ("EntityAlreadyExists.User", 409)


def test_tags_are_refused_rather_than_dropped(server: LiveServer, ims_root: ImsClient) -> None:
    with pytest.raises(ClientException) as refused:
        ims_root.create_user(
            ims.CreateUserRequest(
                user_principal_name=upn(server, "tagged"),
                tag=[ims.CreateUserRequestTag(key="team", value="a")],
            )
        )
    assert refused.value.code == "InvalidParameter.Tag"


def test_with_an_alias_the_default_domain_is_the_alias_and_the_account_id_still_names_users(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ims_root.create_user(ims.CreateUserRequest(user_principal_name=upn(server, "eve")))
    ram_root.set_account_alias(ram.SetAccountAliasRequest(account_alias="acme-ims"))
    try:
        by_alias = ims_root.get_user(
            ims.GetUserRequest(user_principal_name="eve@ACME-IMS.onaliyun.com")
        ).body.user
        by_account = ims_root.get_user(ims.GetUserRequest(user_principal_name=upn(server, "eve")))
        assert by_alias.user_principal_name == "eve@acme-ims.onaliyun.com"
        assert by_account.body.user.user_principal_name == "eve@acme-ims.onaliyun.com"
    finally:
        ram_root.clear_account_alias()


def test_ims_calls_are_authorized_as_the_ram_action_on_the_users_arn(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    for name in ("fay", "gus", "hal"):
        ram_root.create_user(ram.CreateUserRequest(user_name=name))
    document = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ram:GetUser",
                "Resource": f"acs:ram::{server.account_id}:user/gus",
            },
            {
                "Effect": "Allow",
                "Action": "ram:ListUserBasicInfos",
                "Resource": f"acs:ram::{server.account_id}:user/*",
            },
        ],
    }
    ram_root.create_policy(
        ram.CreatePolicyRequest(policy_name="ReadGus", policy_document=json.dumps(document))
    )
    ram_root.attach_policy_to_user(
        ram.AttachPolicyToUserRequest(policy_type="Custom", policy_name="ReadGus", user_name="fay")
    )
    key = ram_root.create_access_key(ram.CreateAccessKeyRequest(user_name="fay")).body.access_key
    fay = ims_client(server, (key.access_key_id, key.access_key_secret))

    gus = fay.get_user(ims.GetUserRequest(user_principal_name=upn(server, "gus"))).body.user
    assert gus.user_principal_name == upn(server, "gus")
    for refused_request in (
        ims.GetUserRequest(user_principal_name=upn(server, "hal")),
        ims.GetUserRequest(user_id="200000000000000000"),  # no existence oracle by id
    ):
        with pytest.raises(ClientException) as refused:
            fay.get_user(refused_request)
        assert (refused.value.code, refused.value.status_code) == ("NoPermission", 403)
    with pytest.raises(ClientException) as refused:
        fay.delete_user(ims.DeleteUserRequest(user_principal_name=upn(server, "gus")))
    assert refused.value.code == "NoPermission"
    assert fay.list_user_basic_infos(ims.ListUserBasicInfosRequest()).body.user_basic_infos
    with pytest.raises(ClientException) as refused:  # ram:ListUsers is another action
        fay.list_users(ims.ListUsersRequest())
    assert refused.value.code == "NoPermission"


def test_a_login_profile_is_made_read_changed_and_deleted_through_ims_as_ram_keeps_it(
    server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    ims_root.create_user(ims.CreateUserRequest(user_principal_name=upn(server, "ivy")))
    created = ims_root.create_login_profile(
        ims.CreateLoginProfileRequest(
            user_principal_name=upn(server, "ivy"),
            password="Correct-Horse-7",
            password_reset_required=True,
        )
    ).body.login_profile
    assert (created.user_principal_name, created.password_reset_required, created.status) == (
        upn(server, "ivy"),
        True,
        "Active",
    )
    seen = ram_root.get_login_profile(ram.GetLoginProfileRequest(user_name="ivy")).body
    assert seen.login_profile.password_reset_required is True

    changed = ims_root.update_login_profile(
        ims.UpdateLoginProfileRequest(
            user_principal_name=upn(server, "ivy"), password_reset_required=False
        )
    ).body.login_profile
    assert changed.password_reset_required is False
    got = ims_root.get_login_profile(
        ims.GetLoginProfileRequest(user_principal_name=upn(server, "ivy"))
    ).body.login_profile
    assert (got.password_reset_required, got.mfabind_required) == (False, False)

    with pytest.raises(ClientException) as twice:
        ims_root.create_login_profile(
            ims.CreateLoginProfileRequest(
                user_principal_name=upn(server, "ivy"), password="Correct-Horse-8"
            )
        )
    assert twice.value.code == "EntityAlreadyExists.User.LoginProfile"

    ims_root.delete_login_profile(
        ims.DeleteLoginProfileRequest(user_principal_name=upn(server, "ivy"))
    )
    with pytest.raises(ClientException) as gone:
        ims_root.get_login_profile(
            ims.GetLoginProfileRequest(user_principal_name=upn(server, "ivy"))
        )
    assert (gone.value.code, gone.value.status_code) == ("EntityNotExist.User.LoginProfile", 404)


def test_an_ims_action_ramsts_does_not_serve_is_not_found(server: LiveServer) -> None:
    root = Signer(server.access_key_id, server.access_key_secret)
    with pytest.raises(ClientException) as refused:
        tea_rpc(server.endpoint, root, "2019-08-15", "ListApplications")
    assert refused.value.code == "InvalidAction.NotFound"


def test_basic_infos_list_every_active_user_and_no_frozen_one(
    server: LiveServer, ims_root: ImsClient
) -> None:
    ims_root.create_user(ims.CreateUserRequest(user_principal_name=upn(server, "kay")))
    infos = ims_root.list_user_basic_infos(ims.ListUserBasicInfosRequest(max_items=1000)).body
    assert upn(server, "kay") in [
        info.user_principal_name for info in infos.user_basic_infos.user_basic_info
    ]
    frozen = ims_root.list_user_basic_infos(ims.ListUserBasicInfosRequest(status="freeze")).body
    assert (frozen.user_basic_infos.user_basic_info, frozen.is_truncated) == ([], False)
    with pytest.raises(ClientException) as refused:
        ims_root.list_users(ims.ListUsersRequest(status="deleted"))
    assert (refused.value.code, refused.value.status_code) == ("InvalidParameter.Status", 400)
