"""What the Node.js tests share: ``node`` with the SDKs of package-lock.json, and a way to run a
script with it against a server.

Without ``node`` on PATH, or with the packages missing or not the pinned versions, the tests skip
locally and fail under CI (``RAMSTS_REQUIRE_NODE=1``), as the PostgreSQL tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ramsts.testing import PROXY_VARIABLES

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
SCRIPT_TIMEOUT = 60

RunNode = Callable[..., "subprocess.CompletedProcess[str]"]


def _unavailable(reason: str) -> None:
    if os.environ.get("RAMSTS_REQUIRE_NODE") == "1":
        pytest.fail(f"Node.js and the SDKs of tests/node are required here: {reason}")
    pytest.skip(f"Node.js SDK tests skipped: {reason}")


@pytest.fixture(scope="session")
def node() -> str:
    """The ``node`` executable, once the packages package.json names are installed as pinned."""
    executable = shutil.which("node")
    if executable is None:
        _unavailable("no `node` on PATH (apt-get install nodejs npm)")
    assert executable is not None
    wanted: dict[str, str] = json.loads((HERE / "package.json").read_text())["dependencies"]
    for name, version in wanted.items():
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.is_file():
            _unavailable(f"{name} is not installed: run `make unit`, or `npm ci` in {HERE}")
        installed = json.loads(manifest.read_text())["version"]
        if installed != version:
            _unavailable(f"{name} is {installed}, not {version}: run `npm ci` in {HERE}")
    return executable


@pytest.fixture(scope="session")
def run_node(node: str) -> RunNode:
    """``run_node(script, *args, env={...})``: run a script with ``node`` and the pinned packages
    (``NODE_PATH``, so scripts outside this directory find them too), without proxy variables;
    its completed process, output as text."""

    def run(script: Path, *args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        environment.update(env, NODE_PATH=str(NODE_MODULES))
        return subprocess.run(
            [node, str(script), *args],
            env=environment,
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
            check=False,
        )

    return run
