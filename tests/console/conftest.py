"""Fixtures of the console tests: a live server with the console mounted, an account whose root
password the test knows, an HTTP client that keeps cookies, and Debian's chromium driven by
Playwright.

Browser tests are marked ``browser``. Without ``/usr/bin/chromium`` they skip locally and fail
under CI (``RAMSTS_REQUIRE_BROWSER=1``), so a green CI always ran them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_site import ConsoleClient, ConsoleSite, sign_in_browser

from ramsts.testing import ramsts_server
from ramsts.types import Secret

CHROMIUM = Path(os.environ.get("RAMSTS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT_PASSWORD = "Console-Root-Passw0rd!"


@pytest.fixture
def console() -> Iterator[ConsoleSite]:
    with ramsts_server() as server:
        created = server.services.accounts.create_account(
            "console-tests", password=Secret(ROOT_PASSWORD)
        )
        yield ConsoleSite(server, created.account_id, ROOT_PASSWORD)


@pytest.fixture
def client(console: ConsoleSite) -> Iterator[ConsoleClient]:
    made = ConsoleClient(console)
    yield made
    made.http.close()


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("RAMSTS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"a browser is required here but unavailable: {reason}")
    pytest.skip(f"browser unavailable: {reason}")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless chromium with a fresh profile, for one test."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="ramsts-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Any:
    made = browser.new_page()
    made.set_default_timeout(10_000)
    return made


@pytest.fixture
def root_page(page: Any, console: ConsoleSite) -> Any:
    """A page signed in as the account's root, on the overview; every ``confirm()`` is
    answered OK."""
    from playwright.sync_api import expect

    page.on("dialog", lambda dialog: dialog.accept())
    sign_in_browser(page, console, console.account_id, console.root_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    return page
