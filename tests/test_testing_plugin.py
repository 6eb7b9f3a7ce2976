"""``ramsts.testing``: a server per block or per test, ready-made clients of both SDK
generations, set-up helpers, and a clean environment afterwards."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

from fresh_imports import SERVER_LIBRARIES, modules_loaded_by, of_ramsts, top_level
from ramsts.crypto.dev_certificate import make_dev_certificate, write_dev_certificate
from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk


def test_a_server_answers_with_its_root_credentials_through_both_generations() -> None:
    with ramsts_server() as server:
        classic = json.loads(
            server.acs_client().do_action_with_exception(GetCallerIdentityRequest())
        )
        tea = server.sts_client().get_caller_identity().body
        assert classic["Arn"] == tea.arn == f"acs:ram::{server.account_id}:root"
        assert server.sts_client(signature="v1").get_caller_identity().body.account_id == (
            server.account_id
        )


def test_helpers_make_a_user_who_assumes_a_role(ramsts: RamstsServer) -> None:
    alice = ramsts.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
    arn = ramsts.create_role(
        "reader",
        policies=["AliyunRAMReadOnlyAccess"],
        statements=[{"Effect": "Deny", "Action": "ram:ListGroups", "Resource": "*"}],
    )
    assert arn == f"acs:ram::{ramsts.account_id}:role/reader"
    request = sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="s1")
    credentials = ramsts.sts_client(alice).assume_role(request).body.credentials.to_map()
    session = AccessKey.from_credentials(credentials)
    users = ramsts.ram_client(session).list_users(ram_models.ListUsersRequest()).body.users
    assert [user.user_name for user in users.user] == ["alice"]
    assert "***" in repr(session) and session.access_key_secret not in repr(session)


def test_proxy_variables_are_removed_while_it_runs_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    with ramsts_server() as server:
        assert "HTTP_PROXY" not in os.environ
        assert server.sts_client().get_caller_identity().body.identity_type == "Account"
    assert os.environ["HTTP_PROXY"] == "http://proxy.invalid:3128"


def test_the_server_stops_at_the_end_of_the_block() -> None:
    with ramsts_server() as server:
        url = server.url
        assert httpx.get(f"{url}/health").status_code == 200
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/health", timeout=2)


def test_each_server_is_a_fresh_installation() -> None:
    with ramsts_server() as first, ramsts_server() as second:
        assert first.account_id != second.account_id
        assert first.port != second.port
        first.create_user("alice")
        second.create_user("alice")  # no clash: separate databases


def test_the_fixture_is_there_without_any_set_up(tmp_path: Path) -> None:
    """The ``pytest11`` entry point offers the fixture to any project with ramsts installed."""
    test_file = tmp_path / "test_uses_plugin.py"
    test_file.write_text(
        textwrap.dedent(
            """
            def test_fixture(ramsts):
                body = ramsts.sts_client().get_caller_identity().body
                assert body.account_id == ramsts.account_id
            """
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


SECURE_ONLY = {
    "Effect": "Allow",
    "Action": "ram:ListUsers",
    "Resource": "*",
    "Condition": {"Bool": {"acs:SecureTransport": "true"}},
}


def test_a_tls_server_serves_https_to_clients_of_both_generations_trusting_its_ca() -> None:
    with ramsts_server(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.ca_file is not None and "BEGIN CERTIFICATE" in server.ca_file.read_text()
        classic = json.loads(
            server.acs_client().do_action_with_exception(GetCallerIdentityRequest())
        )
        tea = server.sts_client().get_caller_identity().body
        assert classic["Arn"] == tea.arn == f"acs:ram::{server.account_id}:root"
        assert (
            httpx.get(
                f"{server.url}/health", verify=ssl.create_default_context(cafile=server.ca_file)
            ).status_code
            == 200
        )
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(f"{server.url}/health")


@pytest.mark.parametrize(("tls", "outcome"), [(True, "allowed"), (False, "NoPermission")])
def test_secure_transport_is_true_over_https_and_false_over_http(tls: bool, outcome: str) -> None:
    with ramsts_server(tls=tls) as server:
        key = server.create_user("alice", statements=[SECURE_ONLY])
        try:
            server.ram_client(key).list_users(ram_models.ListUsersRequest())
            answered = "allowed"
        except ClientException as exc:
            answered = str(exc.code)
    assert answered == outcome


def test_a_server_serves_https_with_a_certificate_of_ones_own(tmp_path: Path) -> None:
    files = write_dev_certificate(make_dev_certificate(datetime.now(UTC)), tmp_path)
    with ramsts_server(tls_cert=files.cert_file, tls_key=files.key_file) as server:
        assert server.ca_file is None
        answer = httpx.get(
            f"{server.url}/health", verify=ssl.create_default_context(cafile=files.ca_file)
        )
        assert answer.json() == {"Status": "OK"}
    with pytest.raises(ValueError, match="go together"), ramsts_server(tls_cert=files.cert_file):
        pass


def test_loading_the_plugin_imports_no_server_library() -> None:
    # pytest loads the plugin in every session of every project that installs ramsts.
    loaded = modules_loaded_by("import ramsts.testing")
    assert not top_level(loaded) & SERVER_LIBRARIES
    assert of_ramsts(loaded) == {"ramsts", "ramsts.testing"}
