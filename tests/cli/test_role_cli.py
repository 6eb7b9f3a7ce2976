"""``ramsts role revoke-sessions``: every earlier session of the role is refused, also by a
server already running on the same database."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException

from ramsts.cli import main
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.testing import AccessKey, ramsts_server

POLL_SECONDS = 3.0


def test_revoke_sessions_refuses_live_sessions_of_a_running_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    master_key = MasterKey.generate()
    monkeypatch.setenv(MASTER_KEY_ENV, master_key.encoded())
    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with ramsts_server(db_url=db_url, master_key=master_key) as server:
        alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
        arn = server.create_role("reader", policies=["AliyunRAMReadOnlyAccess"])
        request = sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="leaked")
        body = server.sts_client(alice).assume_role(request).body
        session = AccessKey.from_credentials(body.credentials.to_map())
        assert server.sts_client(session).get_caller_identity().body.arn

        code = main(
            ["role", "revoke-sessions", "Reader", "--account", server.account_id, "--db", db_url]
        )
        assert code == 0
        assert arn in capsys.readouterr().out

        deadline = time.monotonic() + POLL_SECONDS
        while True:
            try:
                server.sts_client(session).get_caller_identity()
            except ClientException as refused:
                assert refused.code == "InvalidSecurityToken.Expired"
                break
            assert time.monotonic() < deadline, "the revoked session still works"
            time.sleep(0.1)


def test_revoking_an_unknown_role_fails(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, MasterKey.generate().encoded())
    code = main(
        ["role", "revoke-sessions", "ghost", "--account", "1234567890123456", "--db", db_url]
    )
    assert code == 1
    assert capsys.readouterr().err.startswith("EntityNotExist.Role: ")


def test_the_account_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["role", "revoke-sessions", "reader"])
    assert exited.value.code == 2
    assert "--account" in capsys.readouterr().err
