"""The audit recorder: a change's event commits with the change or not at all; every other
call is queued and written in batches by one writer, which keeps what it holds while the
database is down, refuses new calls (ServiceUnavailable) when it can hold no more, and writes
everything at close."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit_trail import Outage, trail_rows
from ramsts.audit import AuditRecorder, Call, EventSource, Outcome
from ramsts.audit import recorder as recorder_module
from ramsts.caller import Caller
from ramsts.errors import ServiceUnavailable
from ramsts.store import Store, open_store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
RAM = EventSource("ram.aliyuncs.com", "Ram")


@pytest.fixture
def account_id(store: Store) -> str:
    with store.transaction() as tx:
        return tx.accounts.create(name="acme", now=NOW).account_id


def call_of(account_id: str, name: str = "GetUser") -> Call:
    caller = Caller(
        account_id=account_id,
        identity_type="Account",
        arn=f"acs:ram::{account_id}:root",
        principal_id=account_id,
        access_key_id="LTAI5tRoot",
        display_name=account_id,
    )
    return Call(
        source=RAM,
        event_name=name,
        event_type="ApiCall",
        request_id="A-REQUEST",
        source_ip="192.0.2.1",
        user_agent="test",
        parameters={"UserName": "alice"},
        api_version="2015-05-01",
        caller=caller,
    )


def names(db_url: str) -> list[str]:
    return [row["event_name"] for row in trail_rows(db_url)]


def test_queued_calls_are_written_by_the_writer_in_their_order(
    store: Store, account_id: str, db_url: str
) -> None:
    recorder = AuditRecorder(store, flush_interval=0.01)
    for name in ("GetUser", "ListUsers", "GetRole"):
        recorder.finish(call_of(account_id, name), Outcome(response={"Ok": True}))
    assert recorder.flush()
    recorder.close()
    assert names(db_url) == ["GetUser", "ListUsers", "GetRole"]


def test_a_change_commits_with_its_event_and_once_per_call(
    store: Store, account_id: str, db_url: str
) -> None:
    recorder = AuditRecorder(store)
    call = call_of(account_id, "CreateUser")
    with recorder.recording(call):
        with store.transaction() as tx:
            tx.users.create(account_id, user_name="alice", now=NOW)
        with store.transaction() as tx:
            tx.users.create(account_id, user_name="bob", now=NOW)
    assert names(db_url) == ["CreateUser"]  # written with the change, before the call ends

    recorder.finish(call, Outcome(response={"User": {"UserName": "alice"}}))
    assert recorder.flush()
    recorder.close()
    [row] = trail_rows(db_url)
    assert '"responseElements":{"User":{"UserName":"alice"}}' in row["document"]


def test_a_change_rolled_back_leaves_no_event(store: Store, account_id: str, db_url: str) -> None:
    recorder = AuditRecorder(store)
    call = call_of(account_id, "CreateUser")
    with recorder.recording(call), pytest.raises(RuntimeError), store.transaction() as tx:
        tx.users.create(account_id, user_name="alice", now=NOW)
        raise RuntimeError("the change fails")
    recorder.close()
    assert names(db_url) == []
    assert not call.written


def test_transactions_outside_a_recorded_call_write_no_event(
    store: Store, account_id: str, db_url: str
) -> None:
    recorder = AuditRecorder(store)
    with store.transaction() as tx:
        tx.users.create(account_id, user_name="alice", now=NOW)
    recorder.close()
    assert names(db_url) == []


def test_events_wait_out_a_database_outage_and_are_written_once_it_is_back(
    store: Store, account_id: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage = Outage(store, monkeypatch)
    recorder = AuditRecorder(store, flush_interval=0.01, retry_interval=0.01)
    outage.down = True
    recorder.finish(call_of(account_id, "GetUser"))
    recorder.finish(call_of(account_id, "ListUsers"))
    assert not recorder.flush(timeout=0.2)
    assert recorder.queue_depth() == 2

    outage.down = False
    assert recorder.flush()
    recorder.close()
    assert names(db_url) == ["GetUser", "ListUsers"]


def test_a_full_queue_refuses_new_calls_rather_than_lose_their_events(
    store: Store, account_id: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage = Outage(store, monkeypatch)
    recorder = AuditRecorder(store, capacity=2, flush_interval=0.01, retry_interval=0.01)
    outage.down = True
    recorder.finish(call_of(account_id, "GetUser"))
    recorder.finish(call_of(account_id, "ListUsers"))
    assert not recorder.flush(timeout=0.1)

    with pytest.raises(ServiceUnavailable):
        recorder.check_room()
    with pytest.raises(ServiceUnavailable):
        recorder.finish(call_of(account_id, "GetRole"))
    written = call_of(account_id, "CreateUser")
    written.written = True
    recorder.finish(written)  # its event is on the trail already: only its response is left out

    outage.down = False
    assert recorder.flush()
    recorder.check_room()
    recorder.close()
    assert names(db_url) == ["GetUser", "ListUsers"]


def test_closing_writes_everything_queued(store: Store, account_id: str, db_url: str) -> None:
    recorder = AuditRecorder(store, flush_interval=10.0, batch_size=1000)
    for _ in range(5):
        recorder.finish(call_of(account_id))
    recorder.close()
    assert len(names(db_url)) == 5
    with pytest.raises(ServiceUnavailable):
        recorder.finish(call_of(account_id))


def test_a_refusal_naming_a_stored_access_key_is_on_its_accounts_trail(
    store: Store, account_id: str, db_url: str
) -> None:
    with store.transaction() as tx:
        tx.access_keys.create(
            account_id, user_id=None, access_key_id="LTAI5tKnown", sealed_secret="x", now=NOW
        )
    recorder = AuditRecorder(store)
    for key in ("LTAI5tKnown", "LTAI5tNobodys"):
        refused = call_of(account_id)
        refused.caller = None
        refused.access_key_id = key
        recorder.finish(refused, Outcome(error_code="SignatureDoesNotMatch"))
    recorder.close()
    # No account holds the second key: it has no trail to go on.
    assert [(r["account_id"], r["access_key_id"]) for r in trail_rows(db_url)] == [
        (account_id, "LTAI5tKnown")
    ]


def test_an_event_loop_prepares_its_own_batches_and_on_a_sqlite_file_writes_them(
    store: Store, account_id: str, db_url: str
) -> None:
    # The writer thread would wait an hour for more: what is written, the loop wrote, or (on
    # PostgreSQL, where a statement is a round trip) handed the thread ready to insert.
    recorder = AuditRecorder(store, flush_interval=3600.0, batch_size=1000, loop_batch=3)

    async def three_calls() -> None:
        for name in ("GetUser", "ListUsers", "GetRole"):
            recorder.finish(call_of(account_id, name))
        await asyncio.sleep(0)  # the end of the loop's turn

    asyncio.run(three_calls())
    if store.dialect == "sqlite":
        assert names(db_url) == ["GetUser", "ListUsers", "GetRole"]
    else:
        assert recorder.flush()
        assert names(db_url) == ["GetUser", "ListUsers", "GetRole"]
    recorder.close()
    assert names(db_url) == ["GetUser", "ListUsers", "GetRole"]


def test_a_loop_writes_its_last_few_events_itself_a_flush_interval_after_the_first(
    store: Store, account_id: str, db_url: str
) -> None:
    # Fewer than a batch, and the writer thread leaves a loop's events to it for a second.
    recorder = AuditRecorder(store, flush_interval=0.05, batch_size=1000, loop_batch=1000)

    async def two_calls_then_a_wait() -> list[str]:
        recorder.finish(call_of(account_id, "GetUser"))
        recorder.finish(call_of(account_id, "ListUsers"))
        await asyncio.sleep(0.3)
        return names(db_url)

    written = asyncio.run(two_calls_then_a_wait())
    if store.dialect == "sqlite":
        assert written == ["GetUser", "ListUsers"]
    assert recorder.flush()
    recorder.close()
    assert names(db_url) == ["GetUser", "ListUsers"]


def test_a_loop_tries_its_batch_again_while_another_writer_holds_the_write_gate(
    tmp_path: Path,
) -> None:
    # Only on a SQLite file does a loop write its own events.
    db_url = f"sqlite:///{tmp_path / 'trail.db'}"
    store = open_store(db_url)
    with store.transaction() as tx:
        account_id = tx.accounts.create(name="acme", now=NOW).account_id
    recorder = AuditRecorder(store, flush_interval=3600.0, batch_size=1000, loop_batch=2)
    holding, release = threading.Event(), threading.Event()

    def another_writer() -> None:
        with store.transaction():
            holding.set()
            release.wait(5)

    writer = threading.Thread(target=another_writer)
    writer.start()
    assert holding.wait(5)

    async def two_calls_while_the_gate_is_held() -> tuple[list[str], list[str]]:
        recorder.finish(call_of(account_id, "GetUser"))
        recorder.finish(call_of(account_id, "ListUsers"))
        await asyncio.sleep(0.01)
        while_held = names(db_url)
        release.set()
        await asyncio.sleep(0.05)
        return while_held, names(db_url)

    while_held, after = asyncio.run(two_calls_while_the_gate_is_held())
    writer.join()
    assert while_held == []
    assert after == ["GetUser", "ListUsers"]
    recorder.close()
    store.dispose()


def test_what_a_stopped_loop_left_the_writer_thread_writes(
    store: Store, account_id: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recorder_module, "LOOP_GRACE", 0.05)
    recorder = AuditRecorder(store, flush_interval=0.01, batch_size=1000, loop_batch=1000)

    async def one_call() -> None:
        recorder.finish(call_of(account_id, "GetUser"))

    asyncio.run(one_call())  # the loop is gone before its flush interval is up
    deadline = time.monotonic() + 5
    while not names(db_url) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert names(db_url) == ["GetUser"]
    recorder.close()


def test_a_loop_whose_batch_cannot_be_written_leaves_it_to_the_writer(
    store: Store, account_id: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    outage = Outage(store, monkeypatch)
    recorder = AuditRecorder(
        store, flush_interval=0.01, retry_interval=0.01, batch_size=1000, loop_batch=2
    )
    outage.down = True

    async def two_calls() -> None:
        recorder.finish(call_of(account_id, "GetUser"))
        recorder.finish(call_of(account_id, "ListUsers"))
        await asyncio.sleep(0)

    asyncio.run(two_calls())
    assert names(db_url) == []
    outage.down = False
    assert recorder.flush()
    assert names(db_url) == ["GetUser", "ListUsers"]
    recorder.close()
