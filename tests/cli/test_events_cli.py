"""``ramsts events export`` writes the audit trail as JSON lines, one event's document a line,
in the order recorded, to stdout or a file; ``--follow`` writes new events as they come and
stops cleanly on SIGTERM or SIGINT. ``ramsts events purge`` and ``ramsts serve
--audit-retention`` delete the events older than their age."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from server_processes import ramsts_command

from ramsts.cli import main
from ramsts.store import AuditEvent, open_store
from trail_events import ACCOUNT, trail_event

NOW = datetime.now(UTC).replace(microsecond=0)
OTHER = "6543210987654321"
WAIT = 30.0


def event(name: str = "CreateUser", *, at: datetime = NOW, **fields: Any) -> AuditEvent:
    return trail_event(name, at=at, document={"note": "é"}, **fields)


def record(db_url: str, *events: AuditEvent) -> list[str]:
    store = open_store(db_url)
    try:
        with store.transaction() as tx:
            tx.audit_events.add(list(events))
    finally:
        store.dispose()
    return [e.event_id for e in events]


def exported(
    capsys: pytest.CaptureFixture[str], db_url: str, *flags: str
) -> list[dict[str, object]]:
    assert main(["events", "export", "--db", db_url, *flags]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def ids(lines: list[dict[str, object]]) -> list[object]:
    return [line["eventId"] for line in lines]


def test_export_writes_each_document_as_a_line_in_the_order_recorded(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Recorded late, dated early: the trail's order is the order recorded.
    recorded = record(db_url, event("CreateUser"), event("GetUser", at=NOW - timedelta(hours=1)))
    lines = exported(capsys, db_url)
    assert ids(lines) == recorded
    assert lines[0] == {"eventId": recorded[0], "eventName": "CreateUser", "note": "é"}


def test_export_selects_by_account_and_time(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, other = record(
        db_url,
        event(at=NOW - timedelta(days=2)),
        event(at=NOW),
        event(at=NOW, account_id=OTHER),
    )
    yesterday = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(exported(capsys, db_url, "--account", ACCOUNT)) == [old, new]
    assert ids(exported(capsys, db_url, "--since", yesterday)) == [new, other]
    assert ids(exported(capsys, db_url, "--until", yesterday)) == [old]


def test_export_appends_to_a_file(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = record(db_url, event(), event())
    output = tmp_path / "trail.jsonl"
    assert main(["events", "export", "--db", db_url, "--output", str(output)]) == 0
    assert main(["events", "export", "--db", db_url, "--output", str(output)]) == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert ids(lines) == recorded * 2
    assert capsys.readouterr().out == ""


def test_a_time_that_is_not_utc_is_refused(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "export", "--db", db_url, "--since", "yesterday"]) == 3
    assert "--since" in capsys.readouterr().err


def test_purge_deletes_only_the_events_older_than_its_age(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    record(db_url, *(event(at=NOW - timedelta(days=100)) for _ in range(3)))
    [kept] = record(db_url, event(at=NOW - timedelta(days=10)))
    assert main(["events", "purge", "--older-than", "90d", "--db", db_url]) == 0
    assert "purged 3 events" in capsys.readouterr().out
    assert ids(exported(capsys, db_url)) == [kept]


def test_purge_refuses_an_age_it_cannot_read(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "purge", "--older-than", "three months", "--db", db_url]) == 3
    assert "--older-than" in capsys.readouterr().err


def eventually(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_follow_writes_new_events_as_they_come_and_stops_on_a_signal(
    tmp_path: Path, stop: signal.Signals
) -> None:
    db_url = f"sqlite:///{tmp_path / 'trail.db'}"
    [first] = record(db_url, event())
    output, errors = tmp_path / "follow.jsonl", tmp_path / "follow.err"
    with errors.open("wb") as stderr:
        follower = subprocess.Popen(
            [
                *(sys.executable, "-m", "ramsts", "events", "export", "--follow"),
                *("--db", db_url, "--output", str(output)),
            ],
            env=os.environ.copy(),
            stderr=stderr,
        )
    try:
        eventually(lambda: len(lines_of(output)) == 1)
        [second] = record(db_url, event("DeleteUser"))
        eventually(lambda: len(lines_of(output)) == 2)
        follower.send_signal(stop)
        assert follower.wait(timeout=WAIT) == 0, errors.read_text()
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
    assert errors.read_text() == ""
    assert [json.loads(line)["eventId"] for line in lines_of(output)] == [first, second]


def test_serve_purges_events_older_than_its_retention_at_start(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'served.db'}"
    record(db_url, event(at=NOW - timedelta(days=3)), event(at=NOW - timedelta(days=3)))
    [kept] = record(db_url, event(at=NOW - timedelta(hours=1)))
    store = open_store(db_url)

    def trail() -> list[str]:
        with store.read() as tx:
            return [
                e.event_id for e in tx.audit_events.after(0, limit=100) if e.account_id == ACCOUNT
            ]

    try:
        with ramsts_command(
            tmp_path,
            "serve",
            "--db",
            db_url,
            "--data-dir",
            str(tmp_path),
            "--audit-retention",
            "2d",
        ):
            eventually(lambda: trail() == [kept])
    finally:
        store.dispose()
