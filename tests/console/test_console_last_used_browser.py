""" "Last used" in the console, from the audit trail: a user's last console sign-in and last API
call, each of its AccessKeys' last use, and a role's last AssumeRole — the calls made through
Alibaba's own SDK with the user's key, then read on the pages as a person sees them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from alibabacloud_sts20150401 import models as sts
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config
from console_site import ConsoleSite, nav
from playwright.sync_api import expect

from audit_trail import trail_documents
from trail_calls import on_trail, signed_in, trail_written

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def sts_client(console: ConsoleSite, key: dict[str, str]) -> StsClient:
    return StsClient(
        Config(
            access_key_id=key["AccessKeyId"],
            access_key_secret=key["AccessKeySecret"],
            endpoint=console.server.endpoint,
            protocol="http",
        )
    )


def as_shown(event: dict[str, Any]) -> str:
    """An event's time as the console shows it (``2025-03-01 12:00 UTC``)."""
    moment = datetime.strptime(event["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def the_event(console: ConsoleSite, name: str) -> dict[str, Any]:
    trail_written(console.server.services)
    [event] = [
        event
        for event in trail_documents(console.server.services.settings.db_url)
        if event["eventName"] == name
    ]
    return event


def test_a_users_page_shows_its_last_sign_in_last_call_and_each_keys_last_use(
    console: ConsoleSite, root_page: Any
) -> None:
    console.ram("CreateUser", UserName="alice")
    used = console.ram("CreateAccessKey", UserName="alice")["AccessKey"]
    unused = console.ram("CreateAccessKey", UserName="alice")["AccessKey"]
    sts_client(console, used).get_caller_identity()
    call = the_event(console, "GetCallerIdentity")
    store = console.server.services.store
    with store.read() as tx:
        alice = tx.users.get(console.account_id, "alice")
    assert alice is not None
    # The console's own sign-in events are the recorder's to write; put one on the trail.
    sign_in_time = alice.created_at + timedelta(minutes=1)
    on_trail(store, signed_in(alice, at=sign_in_time))

    nav(root_page, "Users")
    root_page.get_by_role("link", name="alice", exact=True).click()

    expect(root_page.locator("[data-last-api-call]")).to_have_text(
        f"{as_shown(call)} (Sts, cn-hangzhou)"
    )
    expect(root_page.locator("[data-last-sign-in]")).to_have_text(
        f"{sign_in_time:%Y-%m-%d %H:%M} UTC (AasSub, cn-hangzhou)"
    )
    keys = root_page.get_by_role("region", name="AccessKeys")
    expect(keys.get_by_role("columnheader", name="Last used")).to_be_visible()
    expect(keys.get_by_role("row").filter(has_text=used["AccessKeyId"])).to_contain_text(
        f"{as_shown(call)} (Sts, cn-hangzhou)"
    )
    expect(keys.get_by_role("row").filter(has_text=unused["AccessKeyId"])).to_contain_text("Never")


def test_a_roles_page_shows_when_it_was_last_assumed(console: ConsoleSite, root_page: Any) -> None:
    console.ram("CreateUser", UserName="bob")
    key = console.ram("CreateAccessKey", UserName="bob")["AccessKey"]
    console.ram(
        "AttachPolicyToUser",
        UserName="bob",
        PolicyType="System",
        PolicyName="AliyunSTSAssumeRoleAccess",
    )
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{console.account_id}:root"]},
            }
        ],
    }
    console.ram("CreateRole", RoleName="Deployer", AssumeRolePolicyDocument=json.dumps(trust))
    console.ram("CreateRole", RoleName="Idle", AssumeRolePolicyDocument=json.dumps(trust))
    role_arn = f"acs:ram::{console.account_id}:role/Deployer"
    sts_client(console, key).assume_role(
        sts.AssumeRoleRequest(role_arn=role_arn, role_session_name="deploy")
    )
    assumed = the_event(console, "AssumeRole")

    nav(root_page, "Roles")
    root_page.get_by_role("link", name="Deployer", exact=True).click()
    expect(root_page.locator("[data-last-used]")).to_have_text(
        f"{as_shown(assumed)} (Sts, cn-hangzhou)"
    )

    nav(root_page, "Roles")
    root_page.get_by_role("link", name="Idle", exact=True).click()
    expect(root_page.locator("[data-last-used]")).to_have_text("Never")
