"""Screenshots of the console's main pages for the docs: ``docs/console/*.png``.

    .venv/bin/python tests/console/make_screenshots.py

Starts a server with a fresh database, arranges an account like the one the STS guide builds,
and photographs each page in Debian's chromium at 1280 px (and the role page at 768 px), with
the MFA card of a user's page right after a device was created and the policy editor with an
error and with the user guide's step-4 mistake.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from console_site import ConsoleSite
from playwright.sync_api import sync_playwright

from ramsts.testing import ramsts_server
from ramsts.types import Secret

OUT = Path(__file__).resolve().parents[2] / "docs" / "console"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Screenshot-Passw0rd!"


def arrange(site: ConsoleSite) -> None:
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{site.account_id}:root"]},
            }
        ],
    }
    site.ram(
        "CreateRole",
        RoleName="iotstsrole",
        Description="Reads IoT resources for temporary users",
        AssumeRolePolicyDocument=json.dumps(trust),
    )
    read_only = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": ["iot:Query*", "iot:List*", "iot:Get*"], "Resource": "*"}
        ],
    }
    site.ram(
        "CreatePolicy",
        PolicyName="IoTReadOnly",
        Description="Read-only access to IoT",
        PolicyDocument=json.dumps(read_only),
    )
    site.ram(
        "AttachPolicyToRole", RoleName="iotstsrole", PolicyType="Custom", PolicyName="IoTReadOnly"
    )
    for name, display in (("iotuser", "IoT operator"), ("auditor", "Security auditor")):
        site.ram("CreateUser", UserName=name, DisplayName=display)
    site.ram("CreateGroup", GroupName="operators", Comments="On-call engineers")
    site.ram("AddUserToGroup", GroupName="operators", UserName="iotuser")


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"wrote docs/console/{name}.png")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with ramsts_server() as server:
        created = server.services.accounts.create_account("acme", password=Secret(PASSWORD))
        site = ConsoleSite(server, created.account_id, PASSWORD)
        arrange(site)
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                args=ARGS,
                headless=True,
                viewport={"width": 1280, "height": 860},
            )
            page = context.new_page()
            page.goto(f"{site.url}/")
            page.get_by_label("Account or user").fill(site.account_id)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{site.url}/")
            shoot(page, "overview")
            page.goto(f"{site.url}/users")
            shoot(page, "users")
            page.goto(f"{site.url}/roles/iotstsrole?authorize=1")
            dialog = page.get_by_role("dialog", name="Authorize")
            dialog.get_by_label("Available Authorization Policy Name").select_option(
                "System:AliyunRAMReadOnlyAccess"
            )
            dialog.get_by_role(
                "button", name="Add the chosen policies to the selected list"
            ).click()
            shoot(page, "role-authorize")
            page.goto(f"{site.url}/policies/new?template=blank")
            page.get_by_label("Authorization policy name").fill("AssumeIoTRole")
            page.get_by_label("Policy content").fill(
                '{\n  "Version": "1",\n  "Statement": [\n    {\n      "Effect": "Alow",\n'
                '      "Action": "sts:AssumeRole",\n      "Resource": "acs:ram::'
                f'{site.account_id}:role/iotstsrole"\n    }}\n  ]\n}}'
            )
            status = page.locator("[data-editor-status]")
            status.filter(has_text="is not an effect").wait_for()
            page.get_by_label("Authorization policy name").focus()
            page.locator("[data-editor-goto]").scroll_into_view_if_needed()
            shoot(page, "policy-editor-error")
            page.get_by_label("Policy content").fill(
                '{\n  "Version": "1",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
                '      "Action": "iot:QueryProduct",\n      "Resource": "acs:ram::'
                f'{site.account_id}:role/iotstsrole"\n    }}\n  ]\n}}'
            )
            status.filter(has_text="nobody could assume the role").wait_for()
            page.get_by_label("Authorization policy name").focus()
            page.get_by_role("button", name="Use sts:AssumeRole").scroll_into_view_if_needed()
            shoot(page, "policy-editor-warning")
            page.goto(
                f"{site.url}/simulator?principal_type=Role&principal_name=iotstsrole"
                "&action=iot:QueryProduct&resource=*"
            )
            shoot(page, "simulator")
            page.goto(f"{site.url}/users/iotuser")
            page.get_by_role("button", name="Create virtual MFA device").click()
            mfa = page.get_by_role("region", name="MFA device")
            mfa.get_by_label("First MFA code").focus()
            mfa.screenshot(path=str(OUT / "mfa.png"))
            print("wrote docs/console/mfa.png")
            page.set_viewport_size({"width": 768, "height": 1024})
            page.goto(f"{site.url}/roles/iotstsrole")
            shoot(page, "role-768")
            context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
