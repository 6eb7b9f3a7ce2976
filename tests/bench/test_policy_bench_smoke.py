"""The policy benchmark runs end to end and ramsts agrees with every reference decision."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def policy_bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("policy_bench")


def test_quick_ramsts_run_agrees_with_the_workload_reference(
    policy_bench: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    workload = BENCH / "policy_workload.py"
    status = policy_bench.main(
        ["--quick", "--only", "ramsts", "--json", "--workload", str(workload)]
    )
    report = json.loads(capsys.readouterr().out)

    assert status == 0
    assert list(report["engines"]) == ["ramsts"]
    ramsts = report["engines"]["ramsts"]
    assert ramsts["decisions"] == report["workload"]["requests"] > 0
    assert ramsts["agreement_pct"] == 100.0
    assert report["scaling"]["agreement_pct"] == 100.0
    assert report["scaling"]["statements"] > report["workload"]["statements"]
    assert {t["name"] for t in report["targets"]} >= {"ramsts median per decision"}


def test_unknown_engine_is_refused(policy_bench: ModuleType) -> None:
    with pytest.raises(SystemExit) as exit_info:
        policy_bench.main(["--quick", "--only", "opa"])
    assert exit_info.value.code == 2
