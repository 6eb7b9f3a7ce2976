"""The ``ramsts`` command of a ``ramsts[guard]`` install, which has none of the server's
libraries: the commands that need them say how to install them, in one line, and the client's
commands (``call``, ``policy``) work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fresh_imports import SERVER_LIBRARIES
from ramsts.cli import COMMAND_GROUPS, INSTALL_SERVER, build_parser

SOURCE = Path(__file__).resolve().parents[2] / "src"
NOT_INSTALLED = sorted({*SERVER_LIBRARIES, "cryptography", "prometheus_client", "lxml", "jwt"})
"""The server extra's top-level modules, as a guard-only install lacks them."""


def run_without_server(*argv: str) -> subprocess.CompletedProcess[str]:
    """``ramsts ARGV`` in a new interpreter where importing a server library fails as it does
    when the library is not installed."""
    script = (
        "import sys\n"
        f"for name in {NOT_INSTALLED!r}:\n"
        "    sys.modules[name] = None\n"
        "from ramsts.cli import main\n"
        f"sys.exit(main({list(argv)!r}))\n"
    )
    path = os.pathsep.join(filter(None, [str(SOURCE), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": path},
    )


@pytest.mark.parametrize(
    "argv",
    [("serve",), ("serve", "--port", "8080", "--help"), ("account", "create"), ("demo-iot",)],
    ids=" ".join,
)
def test_a_server_command_says_to_install_the_server_extra(argv: tuple[str, ...]) -> None:
    completed = run_without_server(*argv)
    assert completed.returncode == 1
    assert completed.stdout == ""
    [line] = completed.stderr.splitlines()
    assert line.startswith(f"ramsts {argv[0]} needs the server's libraries (")
    assert line.endswith(INSTALL_SERVER)


def test_the_help_lists_every_command_and_what_it_needs() -> None:
    completed = run_without_server("--help")
    assert completed.returncode == 0
    for commands in COMMAND_GROUPS.values():
        for command in commands:
            assert command in completed.stdout
    assert f"(needs {INSTALL_SERVER})" in completed.stdout


def test_the_clients_commands_need_no_server_library(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        )
    )
    assert run_without_server("policy", "validate", str(policy)).returncode == 0
    assert "--api-version" in run_without_server("call", "--help").stdout


def test_the_command_groups_name_the_commands_they_add() -> None:
    parser = build_parser()
    [subparsers] = [action for action in parser._actions if action.dest == "command"]
    assert list(subparsers.choices) == [
        command for commands in COMMAND_GROUPS.values() for command in commands
    ]
