"""``ramsts account``: the first start's root credentials are never spent on a server that cannot
listen, and lost root credentials can be issued anew from the server's machine."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException

from local_servers import serve_env
from ramsts.cli import main
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.store import open_store
from ramsts.testing import AccessKey, RamstsServer, ramsts_server


def test_a_busy_port_stops_the_first_start_before_any_credentials_are_made(
    tmp_path: Path,
) -> None:
    env = serve_env(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        started = subprocess.run(
            [sys.executable, "-m", "ramsts", "serve", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert started.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in started.stderr
    assert "--port" in started.stderr
    assert "AccessKeySecret" not in started.stdout + started.stderr
    store = open_store(env["RAMSTS_DB"])
    try:
        with store.read() as tx:
            assert tx.accounts.list() == []
    finally:
        store.dispose()


def test_a_new_root_key_is_issued_from_the_machine_and_the_old_ones_revoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    master_key = MasterKey.generate()
    db_url = f"sqlite:///{tmp_path / 'ramsts.db'}"
    monkeypatch.setenv(MASTER_KEY_ENV, master_key.encoded())
    with ramsts_server(db_url=db_url, master_key=master_key) as server:
        lost = server.root
        where = ["--db", db_url, "--data-dir", str(tmp_path), "--json"]
        code = main(["account", "new-root-key", "--account", server.account_id, *where])
        assert code == 0
        issued = json.loads(capsys.readouterr().out)
        assert set(issued) == {"AccountId", "AccessKeyId", "AccessKeySecret"}
        fresh = AccessKey(issued["AccessKeyId"], issued["AccessKeySecret"])
        identity = server.sts_client(fresh).get_caller_identity().body
        assert identity.arn == f"acs:ram::{server.account_id}:root"

        code = main(
            ["account", "new-root-key", "--account", server.account_id, "--revoke-others",
             "--console-password", *where]
        )  # fmt: skip
        assert code == 0
        replaced = json.loads(capsys.readouterr().out)
        assert len(replaced["ConsolePassword"]) >= 8
        newest = AccessKey(replaced["AccessKeyId"], replaced["AccessKeySecret"])
        assert server.sts_client(newest).get_caller_identity().body.account_id == (
            server.account_id
        )
        # Another process's change reaches a server's key cache within a second.
        for revoked in (lost, fresh):
            assert refusal(server, revoked) == "InvalidAccessKeyId.NotFound"


def refusal(server: RamstsServer, key: AccessKey, within: float = 5.0) -> str:
    """The code GetCallerIdentity is refused with, once it is, waiting at most ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        try:
            server.sts_client(key).get_caller_identity()
        except ClientException as refused:
            return str(refused.code)
        if time.monotonic() > deadline:
            return "still accepted"
        time.sleep(0.1)


def test_an_unknown_account_gets_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, MasterKey.generate().encoded())
    db = f"sqlite:///{tmp_path / 'ramsts.db'}"
    code = main(["account", "new-root-key", "--account", "1234567890123456", "--db", db])
    assert code == 1
    assert "EntityNotExist.Account" in capsys.readouterr().err
