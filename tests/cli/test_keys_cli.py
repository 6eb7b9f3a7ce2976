"""``ramsts keys rotate`` / ``ramsts keys list``: a new key mints, old tokens keep working, also
while a server is running on the same database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alibabacloud_sts20150401 import models as sts_models

from ramsts.cli import main
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.testing import AccessKey, ramsts_server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = main(["keys", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def master_key(monkeypatch: pytest.MonkeyPatch) -> MasterKey:
    key = MasterKey.generate()
    monkeypatch.setenv(MASTER_KEY_ENV, key.encoded())
    return key


def test_rotate_makes_a_new_current_key_and_keeps_the_old_ones(
    db_url: str, master_key: MasterKey, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["--db", db_url, "--data-dir", str(tmp_path)]
    code, first = run(capsys, "rotate", *where)
    assert code == 0 and isinstance(first, dict) and first["Current"] is True
    code, second = run(capsys, "rotate", *where)
    assert code == 0 and isinstance(second, dict)
    code, listed = run(capsys, "list", *where)
    assert code == 0 and isinstance(listed, list)
    # The first start of a new store made a key of its own; two rotations added two more.
    assert len(listed) == 3
    assert [key["KeyId"] for key in listed if key["Current"]] == [second["KeyId"]]
    assert first["KeyId"] in {key["KeyId"] for key in listed}
    assert all("material" not in json.dumps(key).lower() for key in listed)


def test_a_rotation_under_a_running_server_keeps_its_sessions(
    tmp_path: Path, master_key: MasterKey, capsys: pytest.CaptureFixture[str]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    with ramsts_server(db_url=db_url, master_key=master_key) as server:
        alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
        arn = server.create_role("reader", policies=["AliyunRAMReadOnlyAccess"])
        request = sts_models.AssumeRoleRequest(role_arn=arn, role_session_name="before")
        body = server.sts_client(alice).assume_role(request).body
        session = AccessKey.from_credentials(body.credentials.to_map())
        code, rotated = run(capsys, "rotate", "--db", db_url, "--data-dir", str(tmp_path))
        assert code == 0 and isinstance(rotated, dict)
        identity = server.sts_client(session).get_caller_identity().body
        assert identity.arn.endswith(":assumed-role/reader/before")
        with server.services.store.read() as tx:
            current = tx.token_keys.current()
        assert current is not None and current.key_id == rotated["KeyId"]


def test_a_wrong_master_key_is_refused_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, "not base64!")
    code = main(["keys", "rotate", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert code == 1
    assert capsys.readouterr().err.startswith("ramsts keys rotate: ")
