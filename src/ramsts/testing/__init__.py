"""ramsts in other projects' tests: a real server in this process, in the spirit of moto's
``mock_aws`` — but over HTTP, so Alibaba's own SDKs talk to it unchanged.

    from ramsts.testing import ramsts_server

    with ramsts_server() as server:
        alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
        role_arn = server.create_role("reader", policies=["AliyunRAMReadOnlyAccess"])
        sts = server.sts_client(alice)                    # alibabacloud-sts20150401, V3
        ...

``ramsts_server(tls=True)`` serves https instead, with a development certificate whose CA is
``server.ca_file``, for clients that only speak https to STS (the Node.js
``@alicloud/credentials``); the clients it hands out trust that CA.

As a pytest plugin (entry point ``pytest11``: ``ramsts = "ramsts.testing"``) it offers the
fixture ``ramsts``, one fresh server per test.

Each server listens on a free loopback port over a fresh SQLite database in a temporary
directory, with a new master key and one account whose root AccessKey is ``server.root``. While
it runs, the proxy variables are removed from the environment: all three SDK stacks send loopback
traffic to ``HTTP_PROXY`` even when ``NO_PROXY`` lists it (api.md §1.3). The SDKs are imported
only when a client is first asked for, so they need to be installed only where they are used.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ramsts.testing.server import (
        PROXY_VARIABLES,
        RAM_VERSION,
        REGION,
        STARTUP_TIMEOUT,
        STS_VERSION,
        AccessKey,
        RamstsServer,
        ramsts_server,
    )

__all__ = [
    "PROXY_VARIABLES",
    "RAM_VERSION",
    "REGION",
    "STARTUP_TIMEOUT",
    "STS_VERSION",
    "AccessKey",
    "RamstsServer",
    "ramsts",
    "ramsts_server",
]

_SERVER_NAMES = frozenset(__all__) - {"ramsts"}


def __getattr__(name: str) -> Any:
    # The server (uvicorn, SQLAlchemy, the whole of ramsts) is imported at the first use of one
    # of its names: pytest loads this plugin in every session of every project that installs
    # ramsts (tests/test_testing_plugin.py checks what loading it costs).
    if name in _SERVER_NAMES:
        return getattr(importlib.import_module("ramsts.testing.server"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@pytest.fixture
def ramsts() -> Iterator[RamstsServer]:
    """A fresh ramsts server for one test (see :func:`ramsts_server`)."""
    from ramsts.testing.server import ramsts_server

    with ramsts_server() as server:
        yield server
