"""``ramsts policy validate`` and ``simulate``: the policy corpus through the CLI, exit codes and
output (0 ok/allowed, 2 denied, 3 invalid input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ramsts.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASES = [
    case
    for path in sorted((ROOT / "tests" / "corpus" / "policy").glob("*.json"))
    for case in json.loads(path.read_text())["cases"]
]
DECISIONS = [c for c in CASES if "policies" in c]
ERRORS = [c for c in CASES if "document" in c]


def write(directory: Path, name: str, document: Any) -> str:
    path = directory / f"{name}.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def simulate_args(case: dict[str, Any], directory: Path) -> list[str]:
    args = ["policy", "simulate", "--json", "--policy"]
    args += [write(directory, name, doc) for name, doc in case["policies"].items()]
    if "session_policy" in case:
        args += ["--session-policy", write(directory, "SessionPolicy", case["session_policy"])]
    request = case["request"]
    args += ["--action", request["action"], "--resource", request["resource"]]
    for key, value in request["context"].items():
        args += ["--context", f"{key}={value}"]
    return args


@pytest.mark.parametrize("case", DECISIONS, ids=[c["id"] for c in DECISIONS])
def test_corpus_decisions_through_simulate(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(simulate_args(case, tmp_path))
    printed = json.loads(capsys.readouterr().out)
    assert status == (0 if case["expect"]["effect"] == "Allow" else 2)
    assert printed["effect"] == case["expect"]["effect"]
    assert [[s["policy"], s["statement"]] for s in printed["statements"]] == case["expect"][
        "statements"
    ]


@pytest.mark.parametrize("case", ERRORS, ids=[c["id"] for c in ERRORS])
def test_corpus_refusals_through_validate(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "doc", case["document"])
    status = main(["policy", "validate", "--kind", case["kind"], path])
    expect = case["expect"]
    assert status == 3
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"{path}: {expect['error']} at {expect['pointer'] or '/'}: ")


def test_validate_reports_every_file_and_fails_if_any_is_bad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(
        tmp_path,
        "good",
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]},
    )
    bad = write(tmp_path, "bad", "{")
    missing = str(tmp_path / "missing.json")
    assert main(["policy", "validate", good]) == 0
    assert main(["policy", "validate", good, bad, missing]) == 3
    captured = capsys.readouterr()
    assert f"{good}: valid identity policy, 1 statement(s)" in captured.out
    assert f"{bad}: MalformedPolicyDocument at /: " in captured.err
    assert f"{missing}: cannot read the file" in captured.err


def test_simulate_prints_the_deciding_statement_in_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(
        tmp_path,
        "NoLogs",
        {
            "Version": "1",
            "Statement": [
                {
                    "Sid": "Block",
                    "Effect": "Deny",
                    "Action": "oss:*",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
                }
            ],
        },
    )
    args = [
        "policy",
        "simulate",
        "--policy",
        policy,
        "--action",
        "oss:GetObject",
        "--resource",
        "*",
    ]
    assert main([*args, "--context", "acs:SourceIp=10.1.1.1"]) == 2
    assert capsys.readouterr().out.splitlines() == [
        "ExplicitDeny",
        "  Deny by statement 0 (Sid 'Block') of policy 'NoLogs'",
    ]
    assert main([*args, "--context", "oops"]) == 3
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_the_installed_ramsts_executable_runs_the_iot_guide_case(tmp_path: Path) -> None:
    case = next(c for c in DECISIONS if c["id"] == "iot-ro-query")
    executable = Path(sys.executable).with_name("ramsts")
    done = subprocess.run(
        [str(executable), *simulate_args(case, tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["statements"][0]["policy"] == "ReadOnlyIoT"
