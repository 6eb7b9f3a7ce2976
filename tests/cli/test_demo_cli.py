"""``ramsts demo``: the user guide's six steps, narrated, end with every IoT call as the policies
say — allowed under the read-only and read-write policies, narrowed by a session policy."""

from __future__ import annotations

import pytest

from ramsts.cli import main


def test_the_demo_runs_the_six_steps_against_an_in_process_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    narration = capsys.readouterr().out
    for step in range(1, 7):
        assert f"Step {step}:" in narration
    assert "sts:AssumeRole" in narration  # the guide's step-4 example is corrected, and says so
    assert "iot:CreateProduct        denied (NoPermission)" in narration
    assert "iot:QueryDevice          denied (NoPermission)" in narration
    assert "0 unexpected" in narration
