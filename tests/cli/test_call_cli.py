"""``ramsts call``: signed calls from the command line, with credentials from flags, the
environment or a profile, and exit codes that tell denied from invalid from failed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_servers import server_with_iot
from ramsts.cli import main
from ramsts.cli.call import API_VERSIONS
from ramsts.testing import AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.xdist_group("call-cli")

CREDENTIAL_VARIABLES = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_PROFILE",
    "RAMSTS_ENDPOINT",
)
IOT_ONLY = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"iot:*","Resource":"*"}]}'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def server() -> Iterator[RamstsServer]:
    with ramsts_server() as running:
        running.create_role(
            "iotstsrole", statements=[{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]
        )
        yield running


@pytest.fixture(scope="module")
def alice(server: RamstsServer) -> AccessKey:
    return server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])


def call(
    capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, dict[str, object] | None, str]:
    code = main(["call", *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_get_caller_identity_with_flags_in_both_signatures(
    server: RamstsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for signature in ("v1", "v3"):
        code, body, _ = call(
            capsys,
            "sts",
            "GetCallerIdentity",
            "--id", server.root.access_key_id,
            "--secret", server.root.access_key_secret,
            "--endpoint", server.url,
            "--signature", signature,
        )  # fmt: skip
        assert code == 0
        assert body is not None and body["Arn"] == f"acs:ram::{server.account_id}:root"


def test_the_user_guides_assume_role_example(
    server: RamstsServer, alice: AccessKey, capsys: pytest.CaptureFixture[str]
) -> None:
    """Step 5 of the user's guide, with ``ramsts call sts`` in place of ``python ./sts.py``."""
    arn = f"acs:ram::{server.account_id}:role/iotstsrole"
    code, body, _ = call(
        capsys,
        "sts",
        "AssumeRole",
        f"RoleArn={arn}",
        "RoleSessionName=iotreadonlyrole",
        f"Policy={IOT_ONLY}",
        "DurationSeconds=3600",
        f"--id={alice.access_key_id}",
        f"--secret={alice.access_key_secret}",
        f"--endpoint={server.url}",
    )
    assert code == 0 and body is not None
    credentials = body["Credentials"]
    assert isinstance(credentials, dict)
    session = ["--id", credentials["AccessKeyId"], "--secret", credentials["AccessKeySecret"]]
    session += ["--token", credentials["SecurityToken"], "--endpoint", server.url]
    code, who, _ = call(capsys, "sts", "GetCallerIdentity", *session)
    assert code == 0 and who is not None
    assert who["Arn"] == f"acs:ram::{server.account_id}:assumed-role/iotstsrole/iotreadonlyrole"
    # The session policy allows iot:* only, so the role's ram:* is out of reach: denied, exit 2.
    code, _, err = call(capsys, "ram", "ListUsers", *session)
    assert code == 2
    assert err.startswith("NoPermission: ")


def test_credentials_and_endpoint_from_the_environment(
    server: RamstsServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", server.root.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", server.root.access_key_secret)
    monkeypatch.setenv("RAMSTS_ENDPOINT", server.endpoint)
    code, body, _ = call(capsys, "ram", "ListUsers", "MaxItems=1")
    assert code == 0 and body is not None
    assert body["IsTruncated"] in (True, False)


def test_credentials_from_a_named_profile(
    server: RamstsServer,
    alice: AccessKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naccess_key_id = nobody\naccess_key_secret = nothing\n\n"
        f"[alice]\ntype = access_key\naccess_key_id = {alice.access_key_id}\n"
        f"access_key_secret = {alice.access_key_secret}\n"
    )
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", str(credentials))
    code, body, _ = call(
        capsys, "sts", "GetCallerIdentity", "--profile", "alice", "--endpoint", server.url
    )
    assert code == 0 and body is not None
    assert body["Arn"] == f"acs:ram::{server.account_id}:user/alice"
    # Without --profile, the default profile's unknown key is refused by the server.
    code, _, err = call(capsys, "sts", "GetCallerIdentity", "--endpoint", server.url)
    assert (code, err.split(":")[0]) == (3, "InvalidAccessKeyId.NotFound")


def test_the_default_profile_lives_under_the_home_directory(
    server: RamstsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "home" / ".ramsts"
    folder.mkdir(parents=True)
    (folder / "credentials").write_text(
        f"[default]\naccess_key_id = {server.root.access_key_id}\n"
        f"access_key_secret = {server.root.access_key_secret}\n"
    )
    code, body, _ = call(capsys, "sts", "GetCallerIdentity", "--endpoint", server.url)
    assert code == 0 and body is not None and body["IdentityType"] == "Account"


@pytest.mark.parametrize(
    ("params", "expected_code", "exit_code"),
    [
        (["RoleArn=acs:ram::1:role/x", "RoleSessionName=a"], "InvalidParameter.RoleSessionName", 3),
        (["RoleSessionName=abc"], "MissingParameter.RoleArn", 3),
    ],
)
def test_input_errors_exit_3(
    server: RamstsServer,
    alice: AccessKey,
    capsys: pytest.CaptureFixture[str],
    params: list[str],
    expected_code: str,
    exit_code: int,
) -> None:
    key = ["--id", alice.access_key_id, "--secret", alice.access_key_secret]
    code, body, err = call(capsys, "sts", "AssumeRole", *params, *key, "--endpoint", server.url)
    assert (code, body) == (exit_code, None)
    assert err.startswith(f"{expected_code}: ")


def test_a_secret_never_reaches_the_output(
    server: RamstsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "W" * 30
    code, _, err = call(
        capsys, "sts", "GetCallerIdentity", "--id", server.root.access_key_id,
        "--secret", wrong, "--endpoint", server.url,
    )  # fmt: skip
    assert code == 3
    assert err.startswith("SignatureDoesNotMatch: ")
    assert wrong not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["s3", "ListBuckets", "--id", "a", "--secret", "b"],
        ["sts", "GetCallerIdentity", "no-equals-sign", "--id", "a", "--secret", "b"],
        ["sts", "GetCallerIdentity", "--id", "a"],
        ["sts", "GetCallerIdentity"],
        ["sts", "GetCallerIdentity", "--id", "a", "--secret", "b", "--endpoint", "ftp://x"],
    ],
)
def test_local_mistakes_exit_3_before_any_request(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, body, err = call(capsys, *argv)
    assert (code, body) == (3, None)
    assert err.startswith("ramsts call: ")


def test_no_server_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, _, err = call(
        capsys, "sts", "GetCallerIdentity", "--id", "a", "--secret", "b",
        "--endpoint", f"http://127.0.0.1:{port}",
    )  # fmt: skip
    assert code == 1
    assert "no answer" in err


def test_products_map_to_their_api_versions() -> None:
    assert API_VERSIONS == {
        "sts": "2015-04-01",
        "ram": "2015-05-01",
        "ims": "2019-08-15",
        "iot": "2018-01-20",
        "actiontrail": "2020-07-06",
        "ramsts": "2026-11-01",
    }


def test_the_installed_command_prints_compact_json_when_piped(server: RamstsServer) -> None:
    env = {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": server.root.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": server.root.access_key_secret,
        "RAMSTS_ENDPOINT": server.url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "ramsts", "call", "sts", "GetCallerIdentity"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1
    assert json.loads(done.stdout)["AccountId"] == server.account_id


def test_a_value_can_be_read_from_a_file(
    server: RamstsServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    document = tmp_path / "iot-readonly.json"
    document.write_text(IOT_ONLY, encoding="utf-8")
    root = ["--id", server.root.access_key_id, "--secret", server.root.access_key_secret]
    code, body, _ = call(
        capsys,
        "ram",
        "CreatePolicy",
        "PolicyName=FromAFile",
        f"PolicyDocument=file://{document}",
        *root,
        "--endpoint",
        server.url,
    )
    assert code == 0 and body is not None
    code, version, _ = call(
        capsys, "ram", "GetPolicy", "PolicyName=FromAFile", "PolicyType=Custom", *root,
        "--endpoint", server.url,
    )  # fmt: skip
    assert version is not None
    default = version["DefaultPolicyVersion"]
    assert isinstance(default, dict) and json.loads(default["PolicyDocument"]) == json.loads(
        IOT_ONLY
    )


def test_an_unreadable_file_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = call(
        capsys, "ram", "CreatePolicy", "PolicyDocument=file:///nonexistent/p.json",
        "--id", "LTAI5tEXAMPLE", "--secret", "x", "--endpoint", "http://127.0.0.1:9",
    )  # fmt: skip
    assert code == 3
    assert "PolicyDocument" in err


def test_a_business_error_answered_with_http_200_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with server_with_iot(tmp_path, "iot") as (port, created):
        key = ["--id", created.access_key_id, "--secret", created.access_key_secret.reveal()]
        endpoint = f"http://127.0.0.1:{port}"
        code, body, err = call(
            capsys, "iot", "QueryProduct", "ProductKey=a1none", *key, "--endpoint", endpoint
        )
    assert code == 3
    assert body is not None and body["Success"] is False
    assert err.startswith(f"{body['Code']}: ")
