"""A console whose server runs on a clock the test moves (no sleeps), over either store, and
browsers that connect from a loopback address of their choosing (``127.0.0.2`` is another
source address to the server, as a second network would be)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from console_site import ConsoleClient, ConsoleSite

from ramsts.testing import AccessKey, ramsts_server
from ramsts.types import Secret

ROOT_PASSWORD = "Clocked-Root-Passw0rd!"


class MovableClock:
    """The server's clock: real time when the test starts, moved only by :meth:`advance`."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@dataclass(frozen=True)
class ClockedConsole:
    site: ConsoleSite
    clock: MovableClock
    root: AccessKey
    """The account root's AccessKey, for the SDKs (sign with them before moving the clock far:
    the server checks a request's timestamp against its own clock)."""

    browsers: list[ConsoleClient] = field(default_factory=list)

    def browser(self, source: str = "127.0.0.1") -> ConsoleClient:
        """A cookie-keeping console client whose connections come from ``source`` (closed when
        the console stops)."""
        made = ConsoleClient(self.site)
        made.http.close()
        made.http = httpx.Client(
            base_url=self.site.server.url,
            follow_redirects=True,
            timeout=10,
            transport=httpx.HTTPTransport(local_address=source),
        )
        self.browsers.append(made)
        return made

    def ram_client(self, key: AccessKey | None = None) -> Any:
        """A Tea ``alibabacloud_ram20150501`` client signing as ``key`` (the root's by default)."""
        return self.site.server.ram_client(key or self.root)


@contextmanager
def clocked_console(db_url: str) -> Iterator[ClockedConsole]:
    clock = MovableClock()
    with ramsts_server(db_url=db_url, clock=clock) as server:
        created = server.services.accounts.create_account(
            "clocked-console", password=Secret(ROOT_PASSWORD)
        )
        root = AccessKey(created.access_key_id, created.access_key_secret.reveal())
        made = ClockedConsole(ConsoleSite(server, created.account_id, ROOT_PASSWORD), clock, root)
        try:
            yield made
        finally:
            for browser in made.browsers:
                browser.http.close()
