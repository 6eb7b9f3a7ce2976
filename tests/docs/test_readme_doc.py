"""The README's Python snippets are complete programs: they run, in order, against a live server
once its address stands in for ``127.0.0.1:8080`` and a real user and role for the placeholders."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from ramsts.testing import ramsts_server

README = Path(__file__).resolve().parents[2] / "README.md"
README_ADDRESS = "127.0.0.1:8080"

pytestmark = pytest.mark.sdk


def python_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_shows_the_tea_classic_and_credentials_clients() -> None:
    text = "".join(python_snippets())
    for package in ("alibabacloud_sts20150401", "aliyunsdkcore", "alibabacloud_credentials"):
        assert f"from {package}" in text


def test_the_readme_snippets_run_against_a_live_server() -> None:
    with ramsts_server() as server:
        user = server.create_user("readme-user", policies=["AliyunSTSAssumeRoleAccess"])
        role_arn = server.create_role("readme-role", policies=["AliyunRAMReadOnlyAccess"])
        namespace = {
            "KEY_ID": user.access_key_id,
            "KEY_SECRET": user.access_key_secret,
            "ROLE_ARN": role_arn,
        }
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            for index, snippet in enumerate(python_snippets()):
                code = snippet.replace(README_ADDRESS, server.endpoint)
                exec(compile(code, f"README.md snippet {index + 1}", "exec"), namespace)
    lines = printed.getvalue().splitlines()
    assert lines[0].startswith("STS.")
    assert lines[1] == f"acs:ram::{server.account_id}:assumed-role/readme-role/readme"
    assert lines[2] == f"acs:ram::{server.account_id}:assumed-role/readme-role/renewing"
