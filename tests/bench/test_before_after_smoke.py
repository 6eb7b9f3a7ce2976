"""The before/after harness measures each side's own code: a policy run on the baseline's
``src/`` reports a figure and the copy of ramsts it imported."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
BENCH = REPOSITORY / "bench"


@pytest.fixture
def before_after(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("before_after")


def test_a_child_measures_the_side_whose_src_it_was_given(before_after: ModuleType) -> None:
    median_us = before_after.run_child(REPOSITORY / "src", "policy", 300)

    assert median_us > 0


def test_the_two_sides_are_compared_by_the_same_measurement(
    before_after: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    src = REPOSITORY / "src"
    (row,) = before_after.compare(src, src, ["policy"], rounds=1, requests=100)

    assert row["name"] == "policy"
    assert row["before"] > 0 and row["after"] > 0
    assert row["ratio"] == row["before"] / row["after"]
    assert "policy" in capsys.readouterr().out


def test_an_unknown_measurement_is_refused(before_after: ModuleType) -> None:
    with pytest.raises(SystemExit):
        before_after.parse_args(["--only", "policy,latency"])
