"""Helpers for tests that start servers of their own on this machine."""

from __future__ import annotations

import http.client
import os
import socket
from pathlib import Path

from ramsts.crypto import MASTER_KEY_ENV, MasterKey


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
