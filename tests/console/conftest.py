"""Fixtures of the console tests: a live server with the console mounted, an account whose root
password the test knows, an HTTP client that keeps cookies, and Debian's chromium driven by
Playwright.

Browser tests are marked ``browser``. Without ``/usr/bin/chromium`` they skip locally and fail
under CI (``RAMSTS_REQUIRE_BROWSER=1``), so a green CI always ran them.
"""

from __future__ import annotations

import os
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


class SharedChromium:
    """One headless chromium for a run of consecutive browser tests: launching it is the
    dearest part of such a test, and each test gets a browser context of its own, which shares
    no cookies, storage or cache with another's. Closed before any other test runs, because
    Playwright's sync API keeps an event loop running on the thread, which ``asyncio.run`` and
    Starlette's TestClient refuse to run beside."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def new_context(self) -> Any:
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
                )
            except BaseException:
                self.close()
                raise
        return self._browser.new_context(viewport={"width": 1280, "height": 900})

    def close(self) -> None:
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()


SHARED_CHROMIUM = SharedChromium()


@pytest.hookimpl(trylast=True)  # after the test's own fixtures (its context) are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ()):
        SHARED_CHROMIUM.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """A browser context of its own for one test, in the chromium the browser tests share."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} is missing")
    context = SHARED_CHROMIUM.new_context()
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
