"""Helpers for tests that start servers of their own on this machine."""

from __future__ import annotations

import http.client
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ramsts.api import create_app
from ramsts.cli.demo import demo_action_modules, serving
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.ram.accounts import CreatedAccount
from ramsts.services import build_services


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    """Whether a server on ``port`` answers ``GET /health`` with 200."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def serve_env(directory: Path) -> dict[str, str]:
    """The environment of a ``ramsts serve`` process of a test's own: this one's, with a new
    master key, a SQLite database and the data directory in ``directory``, and a quiet log."""
    return {
        **os.environ,
        MASTER_KEY_ENV: MasterKey.generate().encoded(),
        "RAMSTS_DB": f"sqlite:///{directory / 'ramsts.db'}",
        "RAMSTS_DATA_DIR": str(directory),
        "RAMSTS_LOG_LEVEL": "warning",
    }


@contextmanager
def server_with_iot(directory: Path, account_name: str) -> Iterator[tuple[int, CreatedAccount]]:
    """A server in this process with the IoT sample, over a SQLite file in ``directory``, and a
    new account of its own: (port, the account with its root AccessKey)."""
    settings = Settings(db_url=f"sqlite:///{directory / 'ramsts.db'}", data_dir=directory)
    services = build_services(
        settings,
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
        action_modules=demo_action_modules(),
    )
    try:
        created = services.accounts.create_account(account_name)
        with serving(create_app(services)) as port:
            yield port, created
    finally:
        services.close()
