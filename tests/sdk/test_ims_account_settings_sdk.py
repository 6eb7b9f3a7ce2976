"""Ims (2019-08-15) password policy and security preference through alibabacloud-ims20190815
against a live server, on SQLite and PostgreSQL: RAM's settings in Ims's spelling, and the
settings ramsts does not enforce refused rather than kept in name only."""

from __future__ import annotations

import pytest
from alibabacloud_ims20190815 import models as ims
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from ims_clients import ims_client
from live_server import LiveServer
from rpc_sdks import Signer, classic_rpc

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("ims-settings")]


def test_a_password_policy_set_through_ims_is_the_one_ram_keeps(
    ims_root: ImsClient, ram_root: RamClient
) -> None:
    before = ims_root.get_password_policy().body.password_policy
    assert (before.minimum_password_length, before.hard_expire, before.max_login_attemps) == (
        8,
        False,
        5,
    )
    changed = ims_root.set_password_policy(
        ims.SetPasswordPolicyRequest(
            minimum_password_length=12, require_symbols=True, hard_expire=True
        )
    ).body.password_policy
    assert (changed.minimum_password_length, changed.require_symbols, changed.hard_expire) == (
        12,
        True,
        True,
    )
    assert changed.password_not_contain_user_name is False
    assert changed.minimum_password_different_character == 0
    kept = ram_root.get_password_policy().body.password_policy
    assert (kept.minimum_password_length, kept.require_symbols, kept.hard_expiry) == (
        12,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("setting", "code"),
    [
        (
            ims.SetPasswordPolicyRequest(password_not_contain_user_name=True),
            "InvalidParameter.PasswordNotContainUserName",
        ),
        (
            ims.SetPasswordPolicyRequest(minimum_password_different_character=3),
            "InvalidParameter.MinimumPasswordDifferentCharacter",
        ),
    ],
)
def test_a_password_rule_ramsts_does_not_enforce_is_refused(
    ims_root: ImsClient, setting: ims.SetPasswordPolicyRequest, code: str
) -> None:
    with pytest.raises(ClientException) as refused:
        ims_root.set_password_policy(setting)
    assert (refused.value.code, refused.value.status_code) == (code, 400)


def test_a_rule_at_the_value_that_enforces_nothing_is_accepted(ims_root: ImsClient) -> None:
    policy = ims_root.set_password_policy(
        ims.SetPasswordPolicyRequest(password_not_contain_user_name=False, initial_password_age=0)
    ).body.password_policy
    assert policy.initial_password_age == 0


def test_a_security_preference_set_through_ims_is_the_one_ram_keeps(
    ims_root: ImsClient, ram_root: RamClient
) -> None:
    changed = ims_root.set_security_preference(
        ims.SetSecurityPreferenceRequest(
            allow_user_to_manage_access_keys=True,
            login_session_duration=3,
            login_network_masks="10.0.0.0/8",
        )
    ).body.security_preference
    assert changed.access_key_preference.allow_user_to_manage_access_keys is True
    assert changed.login_profile_preference.login_session_duration == 3
    got = ims_root.get_security_preference().body.security_preference
    assert got.login_profile_preference.login_network_masks == "10.0.0.0/8"
    kept = ram_root.get_security_preference().body.security_preference
    assert kept.access_key_preference.allow_user_to_manage_access_keys is True
    assert kept.login_profile_preference.login_session_duration == 3


def test_a_security_setting_ramsts_does_not_keep_is_refused(ims_root: ImsClient) -> None:
    with pytest.raises(ClientException) as refused:
        ims_root.set_security_preference(
            ims.SetSecurityPreferenceRequest(mfaoperation_for_login="mandatory")
        )
    assert (refused.value.code, refused.value.status_code) == (
        "InvalidParameter.MFAOperationForLogin",
        400,
    )


def test_a_user_without_a_grant_may_not_read_the_password_policy(
    module_live_server: LiveServer, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="nosy"))
    key = ram_root.create_access_key(ram.CreateAccessKeyRequest(user_name="nosy")).body
    nosy = ims_client(
        module_live_server, (key.access_key.access_key_id, key.access_key.access_key_secret)
    )
    with pytest.raises(ClientException) as refused:
        nosy.get_password_policy()
    assert (refused.value.code, refused.value.status_code) == ("NoPermission", 403)


def test_a_ram_user_changes_its_own_password_through_ims(
    module_live_server: LiveServer, ram_root: RamClient
) -> None:
    ram_root.create_user(ram.CreateUserRequest(user_name="pat"))
    ram_root.create_login_profile(
        ram.CreateLoginProfileRequest(user_name="pat", password="Old-Passw0rd-!x")
    )
    key = ram_root.create_access_key(ram.CreateAccessKeyRequest(user_name="pat")).body
    pat = ims_client(
        module_live_server, (key.access_key.access_key_id, key.access_key.access_key_secret)
    )
    with pytest.raises(ClientException) as wrong:
        pat.change_password(
            ims.ChangePasswordRequest(old_password="Wrong-Pa55-!w", new_password="New-Passw0rd-!y")
        )
    assert (wrong.value.code, wrong.value.status_code) == ("InvalidParameter.OldPassword", 400)
    pat.change_password(
        ims.ChangePasswordRequest(old_password="Old-Passw0rd-!x", new_password="New-Passw0rd-!y")
    )
    with pytest.raises(ClientException) as again:  # the old password no longer is the password
        pat.change_password(
            ims.ChangePasswordRequest(old_password="Old-Passw0rd-!x", new_password="Other-Pa55-!z")
        )
    assert again.value.code == "InvalidParameter.OldPassword"


def test_the_default_domain_is_the_account_ids_until_the_account_has_an_alias(
    module_live_server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    account = module_live_server.account_id
    assert ims_root.get_default_domain().body.default_domain_name == f"{account}.onaliyun.com"
    ram_root.set_account_alias(ram.SetAccountAliasRequest(account_alias="acme-domain"))
    try:
        domain = ims_root.get_default_domain().body.default_domain_name
        assert domain == "acme-domain.onaliyun.com"
    finally:
        ram_root.clear_account_alias()


def test_the_default_domain_set_through_ims_is_the_account_alias_ram_keeps(
    module_live_server: LiveServer, ims_root: ImsClient, ram_root: RamClient
) -> None:
    account_id = module_live_server.account_id
    try:
        set_to = ims_root.set_default_domain(
            ims.SetDefaultDomainRequest(default_domain_name="examplecompany.onaliyun.com")
        ).body
        assert set_to.default_domain_name == "examplecompany.onaliyun.com"
        assert ims_root.get_default_domain().body.default_domain_name == set_to.default_domain_name
        assert ram_root.get_account_alias().body.account_alias == "examplecompany"
    finally:
        back = ims_root.set_default_domain(
            ims.SetDefaultDomainRequest(default_domain_name=f"{account_id}.onaliyun.com")
        ).body
    assert back.default_domain_name == f"{account_id}.onaliyun.com"
    assert ram_root.get_account_alias().body.account_alias == ""


@pytest.mark.parametrize(
    "name",
    [
        "examplecompany.example.com",  # not the platform's suffix
        "-example.onaliyun.com",  # a hyphen first, as the real service refuses
        "Example_Co.onaliyun.com",  # the real service's form, but no alias ramsts can keep
        "1234567890123456.onaliyun.com",  # another account's id
    ],
)
def test_a_default_domain_that_cannot_be_the_alias_is_refused(
    ims_root: ImsClient, ram_root: RamClient, name: str
) -> None:
    with pytest.raises(ClientException) as refused:
        ims_root.set_default_domain(ims.SetDefaultDomainRequest(default_domain_name=name))
    assert (refused.value.code, refused.value.status_code) == (
        "InvalidParameter.DefaultDomainName",
        400,
    )
    assert ram_root.get_account_alias().body.account_alias == ""


def test_ims_answers_the_classic_sdks_rpc_v1_signature_as_the_tea_clients_v3(
    module_live_server: LiveServer, ims_root: ImsClient
) -> None:
    signer = Signer(module_live_server.access_key_id, module_live_server.access_key_secret)
    classic = classic_rpc(module_live_server.endpoint, signer, "2019-08-15", "GetDefaultDomain")
    assert classic["DefaultDomainName"] == ims_root.get_default_domain().body.default_domain_name
