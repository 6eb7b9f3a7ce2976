"""docs/node.md's JavaScript snippets are complete programs: each runs with ``node`` against a
live server once its address stands in for ``127.0.0.1:8080`` (plain HTTP) or
``127.0.0.1:8443`` (https, trusted through ``NODE_EXTRA_CA_CERTS``)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ramsts.testing import RamstsServer, ramsts_server

pytestmark = pytest.mark.sdk

DOC = Path(__file__).resolve().parents[2] / "docs" / "node.md"
HTTP_ADDRESS, HTTPS_ADDRESS = "127.0.0.1:8080", "127.0.0.1:8443"
RunNode = Callable[..., "subprocess.CompletedProcess[str]"]


def js_snippets() -> list[str]:
    return re.findall(r"```js\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_doc_shows_pop_core_the_tea_clients_and_credentials() -> None:
    text = "".join(js_snippets())
    for package in ("pop-core", "sts20150401", "ram20150501", "openapi-core", "credentials"):
        assert f"require('@alicloud/{package}')" in text


def _run(run_node: RunNode, tmp_path: Path, server: RamstsServer, index: int) -> list[str]:
    snippet = js_snippets()[index]
    address = HTTPS_ADDRESS if HTTPS_ADDRESS in snippet else HTTP_ADDRESS
    script = tmp_path / f"node-md-snippet-{index + 1}.js"
    script.write_text(snippet.replace(address, server.endpoint), encoding="utf-8")
    user = server.create_user(f"doc-user-{index}", policies=["AliyunSTSAssumeRoleAccess"])
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": user.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": user.access_key_secret,
        "ROLE_ARN": f"acs:ram::{server.account_id}:role/doc-reader",
    }
    if server.ca_file is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(server.ca_file)
    done = run_node(script, env=env)
    assert done.returncode == 0, done.stderr
    assert not done.stderr
    return done.stdout.splitlines()


def test_the_doc_snippets_run_against_live_servers(run_node: RunNode, tmp_path: Path) -> None:
    with ramsts_server() as plain, ramsts_server(tls=True) as secure:
        for server in (plain, secure):
            server.create_role("doc-reader", policies=["AliyunRAMReadOnlyAccess"])
        printed = [
            _run(run_node, tmp_path, secure if HTTPS_ADDRESS in snippet else plain, index)
            for index, snippet in enumerate(js_snippets())
        ]
    assert len(printed) == 3
    assert printed[0][0].startswith("STS.")
    assert printed[1] == ["NoPermission 403"]
    assert printed[2] == [f"acs:ram::{secure.account_id}:assumed-role/doc-reader/renewing"]
