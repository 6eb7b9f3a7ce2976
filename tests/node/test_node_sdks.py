"""Alibaba Cloud's Node.js SDKs, as published on npm, against a live ramsts server.

Each script in ``scripts/`` drives one SDK (``@alicloud/pop-core``, the Tea clients
``@alicloud/sts20150401`` and ``@alicloud/ram20150501``, ``@alicloud/credentials``) and prints
what it got as JSON; these tests run them with ``node`` and check the outcome. The packages are
those of ``package-lock.json``, installed by ``make`` (``npm ci`` here). Without node or the
packages the tests skip locally and fail under CI (``RAMSTS_REQUIRE_NODE=1``).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ramsts.testing import RamstsServer, ramsts_server

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("node-sdks")]

SCRIPTS = Path(__file__).resolve().parent / "scripts"
RunNode = Callable[..., "subprocess.CompletedProcess[str]"]
"""The ``run_node`` fixture (conftest.py): ``run_node(script, *args, env={...})``."""


@dataclass(frozen=True)
class Fixture:
    """A server with a RAM user who may assume a read-only role."""

    server: RamstsServer
    key_id: str
    key_secret: str
    role_arn: str


def _arranged(server: RamstsServer) -> Fixture:
    user = server.create_user(
        "node-dev", policies=["AliyunSTSAssumeRoleAccess", "AliyunRAMFullAccess"]
    )
    role_arn = server.create_role("node-reader", policies=["AliyunRAMReadOnlyAccess"])
    return Fixture(server, user.access_key_id, user.access_key_secret, role_arn)


@pytest.fixture(scope="module")
def over_http() -> Iterator[Fixture]:
    with ramsts_server() as server:
        yield _arranged(server)


@pytest.fixture(scope="module")
def over_https() -> Iterator[Fixture]:
    with ramsts_server(tls=True) as server:
        yield _arranged(server)


def run_script(
    run_node: RunNode, fixture: Fixture, script: str, *args: str, trust: bool = True
) -> Any:
    """Run ``scripts/<script>`` against the fixture's server; its printed JSON. Over https, the
    script trusts the server's development CA unless ``trust`` is false."""
    env = {
        "RAMSTS_ENDPOINT": fixture.server.endpoint,
        "RAMSTS_PROTOCOL": fixture.server.scheme,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": fixture.key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": fixture.key_secret,
    }
    if fixture.server.ca_file is not None and trust:
        env["NODE_EXTRA_CA_CERTS"] = str(fixture.server.ca_file)
    done = run_node(SCRIPTS / script, *args, env=env)
    assert done.returncode == 0, f"{script} failed:\n{done.stderr}{done.stdout}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def pop_core(run_node: RunNode, over_http: Fixture) -> Any:
    return run_script(run_node, over_http, "pop_core.js", over_http.role_arn, "pop-core-user")


@pytest.fixture(scope="module")
def tea(run_node: RunNode, over_http: Fixture) -> Any:
    return run_script(run_node, over_http, "tea_clients.js", over_http.role_arn, "tea-user")


def _session_arn(fixture: Fixture, session: str) -> str:
    role = fixture.role_arn.rsplit("/", 1)[1]
    return f"acs:ram::{fixture.server.account_id}:assumed-role/{role}/{session}"


def test_pop_core_signs_rpc_v1_calls_to_sts_and_ram(pop_core: Any, over_http: Fixture) -> None:
    got = pop_core
    account = over_http.server.account_id
    assert got["identity"]["Arn"] == f"acs:ram::{account}:user/node-dev"
    assert got["identity"]["IdentityType"] == "RAMUser"
    assert got["assumed"]["accessKeyId"].startswith("STS.")
    assert got["assumed"]["arn"] == f"{over_http.role_arn}/node-pop-core"
    assert got["sessionIdentity"]["Arn"] == _session_arn(over_http, "node-pop-core")
    assert got["created"]["UserName"] == "pop-core-user"
    assert got["created"]["DisplayName"] == "Node 用户 + pop-core"
    assert got["created"]["Comments"] == "a&b=c d/e"
    assert {"node-dev", "pop-core-user"} <= set(got["userNames"])
    assert got["policy"]["PolicyName"] == "pop-core-user-policy"
    assert got["policy"]["Description"] == 'ümlaut & "quotes"'
    assert got["policy"]["DefaultVersion"] == "v1"


def test_pop_core_surfaces_the_error_code_ramsts_answers(pop_core: Any) -> None:
    missing, denied = pop_core["missing"]["error"], pop_core["denied"]["error"]
    assert (missing["code"], missing["statusCode"]) == ("EntityNotExist.User", 404)
    assert "nobody-here" in missing["message"]
    assert (denied["code"], denied["statusCode"]) == ("NoPermission", 403)
    assert missing["requestId"] and denied["requestId"]


def test_tea_clients_sign_v3_calls_to_sts_and_ram(tea: Any, over_http: Fixture) -> None:
    got = tea
    assert got["assumed"]["statusCode"] == 200
    assert got["assumed"]["accessKeyId"].startswith("STS.")
    assert got["assumed"]["expiration"].endswith("Z")
    assert got["sessionIdentity"]["arn"] == _session_arn(over_http, "node-tea")
    assert got["sessionIdentity"]["identityType"] == "AssumedRoleUser"
    assert got["v1Identity"]["arn"] == f"acs:ram::{over_http.server.account_id}:user/node-dev"
    assert got["created"]["userName"] == got["got"]["userName"] == "tea-user"
    assert got["got"]["displayName"] == "Node 用户 + Tea"
    assert got["got"]["comments"] == "a&b=c d/e"


def test_tea_clients_surface_the_error_code_ramsts_answers(tea: Any) -> None:
    missing, denied = tea["missing"]["error"], tea["denied"]["error"]
    assert (missing["code"], missing["statusCode"]) == ("EntityNotExist.User", 404)
    assert (denied["code"], denied["statusCode"]) == ("NoPermission", 403)
    assert "nobody-here" in missing["message"]


def test_credentials_ram_role_arn_over_https_feeds_tea_and_pop_core_clients(
    run_node: RunNode, over_https: Fixture
) -> None:
    got = run_script(run_node, over_https, "credentials_ram_role_arn.js", over_https.role_arn)
    assert got["credential"]["type"] == "ram_role_arn"
    assert got["credential"]["accessKeyId"].startswith("STS.")
    assert got["credential"]["hasSecurityToken"]
    assert got["identity"]["arn"] == _session_arn(over_https, "node-credentials")
    assert got["popCoreIdentity"]["Arn"] == _session_arn(over_https, "node-credentials")
    assert "node-dev" in got["userNames"]
    assert got["outsidePolicy"]["error"]["code"] == "NoPermission"


def test_credentials_refuse_a_server_whose_ca_they_do_not_trust(
    run_node: RunNode, over_https: Fixture
) -> None:
    with pytest.raises(AssertionError, match="certificate"):
        run_script(run_node, over_https, "credentials_ram_role_arn.js", "x", trust=False)
