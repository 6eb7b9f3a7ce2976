"""``ramsts demo``: the user guide's six steps, narrated, end with every IoT call as the policies
say — allowed under the read-only and read-write policies, narrowed by a session policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_servers import server_with_iot
from ramsts.cli import main
from ramsts.iot.client import Credentials, RpcClient

RAM, IOT = "2015-05-01", "2018-01-20"


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


def test_the_demo_against_a_server_leaves_the_account_as_it_found_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with server_with_iot(tmp_path, "demo-target") as (port, created):
        root = Credentials(created.access_key_id, created.access_key_secret)
        endpoint = f"127.0.0.1:{port}"
        status = main(
            ["demo", "--endpoint", endpoint, "--id", root.access_key_id,
             "--secret", root.access_key_secret.reveal()]
        )  # fmt: skip
        client = RpcClient(endpoint)
        try:
            left = {
                "users": client.call(RAM, "ListUsers", root).body["Users"]["User"],
                "roles": client.call(RAM, "ListRoles", root).body["Roles"]["Role"],
                "policies": client.call(RAM, "ListPolicies", root, PolicyType="Custom").body[
                    "Policies"
                ]["Policy"],
                "products": client.call(
                    IOT, "QueryProductList", root, CurrentPage="1", PageSize="10"
                ).body["Data"]["Total"],
            }
        finally:
            client.close()
    assert status == 0
    assert "Cleaning up what the walkthrough created." in capsys.readouterr().out
    assert left == {"users": [], "roles": [], "policies": [], "products": 0}
