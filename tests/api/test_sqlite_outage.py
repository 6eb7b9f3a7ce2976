"""A SQLite file is unavailable when it cannot be locked for writing within its bound (the URL's
``timeout``, 5 s by default): another program holds its write lock, or a ramsts process stopped
while it held the store's write gate. Every signed call writes (its nonce), so each is answered
``ServiceUnavailable`` (503) once the bound is up — not a 500, and not a hang past the SDK's
patience — and succeeds again as soon as the lock is let go.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ServerException

from ramsts.store.write_gate import GATE_SUFFIX
from ramsts.testing import ramsts_server

pytestmark = pytest.mark.sdk

BOUND = 1.0
"""The server's lock timeout, from its URL."""
SLACK = 3.0
"""What a refused call may take beyond the bound (the loop's retries, the HTTP round trip)."""


@dataclass(frozen=True)
class Served:
    database: Path
    calls: list[Callable[[], object]]
    """RAM and STS through their SDKs, each answering something comparable."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    database = tmp_path / "ramsts.db"
    with ramsts_server(db_url=f"sqlite:///{database}?timeout={BOUND:g}") as server:
        alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
        ram, sts = server.ram_client(), server.sts_client(alice)
        get_user = ram_models.GetUserRequest(user_name="alice")
        assume = sts_models.AssumeRoleRequest(
            role_arn=server.create_role("reader"), role_session_name="outage"
        )
        yield Served(
            database,
            [
                lambda: ram.get_user(get_user).body.user.user_name,
                lambda: sts.assume_role(assume).body.assumed_role_user.arn,
            ],
        )


def answered_unavailable_within_the_bound(call: Callable[[], object]) -> None:
    started = time.monotonic()
    with pytest.raises(ServerException) as refused:
        call()
    waited = time.monotonic() - started
    assert (refused.value.status_code, refused.value.code) == (503, "ServiceUnavailable")
    assert BOUND <= waited < BOUND + SLACK


def test_a_file_another_program_keeps_locked_answers_503_until_it_lets_go(
    served: Served,
) -> None:
    answers = [call() for call in served.calls]
    holder = sqlite3.connect(served.database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as the sqlite3 shell takes it
        for call in served.calls:
            answered_unavailable_within_the_bound(call)
        holder.execute("ROLLBACK")
        assert [call() for call in served.calls] == answers
    finally:
        holder.close()


def test_a_process_stopped_holding_the_write_gate_makes_writers_answer_503_not_hang(
    served: Served,
) -> None:
    answers = [call() for call in served.calls]
    # Another open file description's flock: to the server, exactly another ramsts process's.
    gate = os.open(f"{served.database}{GATE_SUFFIX}", os.O_RDWR)
    try:
        fcntl.flock(gate, fcntl.LOCK_EX)
        for call in served.calls:
            answered_unavailable_within_the_bound(call)
        fcntl.flock(gate, fcntl.LOCK_UN)
        assert [call() for call in served.calls] == answers
        assert [call() for call in served.calls] == answers  # the gate serves on after its waits
    finally:
        os.close(gate)
