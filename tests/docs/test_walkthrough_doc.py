"""docs/walkthrough.md's Python snippets run, in order, against a live server with IoT."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ramsts.cli.demo import in_process_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "walkthrough.md"

pytestmark = pytest.mark.sdk


def python_snippets() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_walkthrough_has_its_sdk_steps() -> None:
    assert len(python_snippets()) >= 3


def test_the_walkthrough_snippets_run_against_a_live_server() -> None:
    with in_process_server() as (endpoint, root, account_id):
        namespace = {
            "ENDPOINT": endpoint,
            "ACCOUNT_ID": account_id,
            "ROOT_ID": root.access_key_id,
            "ROOT_SECRET": root.access_key_secret.reveal(),
        }
        for index, snippet in enumerate(python_snippets()):
            exec(compile(snippet, f"{DOC.name} snippet {index + 1}", "exec"), namespace)
        assert namespace["products"]["Data"]["Total"] == 0
