"""The write gate: the writers of one SQLite file wait their turn in a queue (a thread lock, then
an ``flock`` beside the database) instead of in SQLite's busy handler, whose sleeps grow to 100 ms.

What the store needs from it: one writer at a time across threads and processes, a blocked
writer woken when the gate is left, a coroutine that never blocks on it, and a clear error
rather than a hang when a thread would wait for itself.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from ramsts.loop_work import run_on_loop
from ramsts.store import Store
from ramsts.store.write_gate import GATE_SUFFIX, WriteGate

EXPIRES = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "ramsts.db")


@pytest.fixture
def gate(database: str) -> Iterator[WriteGate]:
    opened = WriteGate(database)
    yield opened
    opened.close()


@pytest.fixture
def other_process_gate(database: str) -> Iterator[WriteGate]:
    """A second gate on the same file: its own open file, so its ``flock`` conflicts with the
    first gate's exactly as another process's would."""
    opened = WriteGate(database)
    yield opened
    opened.close()


@pytest.fixture
def db_url(database: str) -> str:
    """The gate is for SQLite files only: the store fixture opens this one."""
    return f"sqlite:///{database}"


def test_the_gate_is_a_file_beside_the_database(gate: WriteGate, database: str) -> None:
    assert gate.path == database + GATE_SUFFIX
    assert Path(gate.path).exists()


def test_a_held_gate_refuses_writers_of_other_processes_until_it_is_left(
    gate: WriteGate, other_process_gate: WriteGate
) -> None:
    assert gate.try_enter()
    assert not other_process_gate.try_enter()
    gate.leave()
    assert other_process_gate.try_enter()
    other_process_gate.leave()


def test_a_held_gate_refuses_other_threads_of_the_same_process(gate: WriteGate) -> None:
    with gate.held():
        taken: list[bool] = []
        thread = threading.Thread(target=lambda: taken.append(gate.try_enter()))
        thread.start()
        thread.join()
    assert taken == [False]
    assert gate.try_enter()
    gate.leave()


def test_a_waiting_writer_enters_once_the_holder_leaves(
    gate: WriteGate, other_process_gate: WriteGate
) -> None:
    entered = threading.Event()

    def wait_for_the_gate() -> None:
        with other_process_gate.held():
            entered.set()

    assert gate.try_enter()
    waiter = threading.Thread(target=wait_for_the_gate)
    waiter.start()
    assert not entered.wait(0.2)
    gate.leave()
    waiter.join(timeout=10)
    assert entered.is_set()


def test_a_write_inside_a_write_on_the_same_thread_is_an_error_not_a_hang(
    gate: WriteGate,
) -> None:
    with gate.held(), pytest.raises(RuntimeError, match="inside another write"), gate.held():
        pass
    assert gate.try_enter()  # the outer block left it
    gate.leave()


def test_a_gate_held_by_another_process_holds_back_a_stores_transaction(
    store: Store, database: str
) -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from ramsts.store.write_gate import WriteGate;"
            f" gate = WriteGate({database!r}); gate.try_enter() or sys.exit(3);"
            " print('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        committed = threading.Event()

        def create_an_account() -> None:
            with store.transaction() as tx:
                tx.accounts.create(name="gated", now=datetime.now(UTC))
            committed.set()

        writer = threading.Thread(target=create_an_account)
        writer.start()
        assert not committed.wait(0.3)
        holder.stdin.write("\n")
        holder.stdin.flush()
        writer.join(timeout=10)
        assert committed.is_set()
    with store.read() as tx:
        assert [account.name for account in tx.accounts.list()] == ["gated"]


def test_a_nonce_awaited_on_a_loop_waits_for_the_gate_without_blocking_the_loop(
    store: Store, other_process_gate: WriteGate
) -> None:
    async def scenario() -> tuple[bool, bool]:
        assert other_process_gate.try_enter()
        spent = asyncio.ensure_future(run_on_loop(partial(store.use_nonce, "key:gated", EXPIRES)))
        ticks = 0
        for _ in range(20):  # the loop keeps turning while the nonce waits
            await asyncio.sleep(0.01)
            ticks += 1
        waited = not spent.done() and ticks == 20
        other_process_gate.leave()
        return waited, await asyncio.wait_for(spent, 10)

    assert asyncio.run(scenario()) == (True, True)
    assert store.use_nonce("key:gated", EXPIRES) is False
