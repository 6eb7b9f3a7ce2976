"""``ramsts events export``: the audit trail as JSON lines (one event's document a line) to a
file or stdout, for log shippers; ``--follow`` keeps writing new events as they are recorded,
until SIGINT or SIGTERM. ``ramsts events purge --older-than 90d``: delete older events now
(``ramsts serve --audit-retention`` does it by itself, hourly).

Both read the database directly (``--db`` / ``RAMSTS_DB``); neither needs the master key, as an
event holds no secret.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from types import FrameType
from typing import IO, Any

from ramsts.actiontrail.export import ExportRange, exported_events
from ramsts.actiontrail.retention import purge_expired
from ramsts.cli import EXIT_FAILURE, EXIT_INVALID, EXIT_OK
from ramsts.config import parse_age, settings_from_env
from ramsts.errors import InvalidParameter
from ramsts.signing.timestamps import parse_timestamp
from ramsts.store import Store, StoreError, open_store

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("events", help="export or purge the audit trail")
    commands = parser.add_subparsers(dest="events_command", metavar="COMMAND", required=True)
    export = commands.add_parser(
        "export",
        help="write the audit trail's events as JSON lines",
        description="Write each event of the audit trail, as LookupEvents returns it, as one "
        "JSON object a line, in the order the trail recorded them.",
    )
    export.add_argument(
        "--since", metavar="TIME", help="events at or after, e.g. 2026-12-01T00:00:00Z"
    )
    export.add_argument("--until", metavar="TIME", help="events at or before this UTC time")
    export.add_argument("--account", metavar="ID", help="only this account's events")
    export.add_argument(
        "--output", metavar="FILE", default="-", help="append to FILE (default -: stdout)"
    )
    export.add_argument(
        "--follow",
        action="store_true",
        help="keep writing new events as they are recorded, until SIGINT or SIGTERM",
    )
    export.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    export.set_defaults(func=export_events)

    purge = commands.add_parser(
        "purge",
        help="delete events older than an age",
        description="Delete the audit trail's events older than --older-than, of every account, "
        "in small batches; prints how many went.",
    )
    purge.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 90d or 12h")
    purge.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    purge.set_defaults(func=purge_events)


def _time(flag: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = parse_timestamp(text)
    if moment is None:
        raise ValueError(f"{flag} must be a UTC time such as 2026-12-01T00:00:00Z, not {text!r}")
    return moment


def export_events(args: argparse.Namespace) -> int:
    try:
        selection = ExportRange(
            account_id=args.account,
            since=_time("--since", args.since),
            until=_time("--until", args.until),
        )
    except ValueError as exc:
        print(f"ramsts events export: {exc}", file=sys.stderr)
        return EXIT_INVALID
    store = _open(args, "export")
    if store is None:
        return EXIT_FAILURE
    try:
        with _output(args.output) as out, _stop_on_signals() as stop:
            for event in exported_events(
                store, selection, follow_until=stop if args.follow else None
            ):
                out.write(json.dumps(event.document, ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                if args.follow:
                    out.flush()  # a shipper tailing the file sees each event as it comes
    except StoreError as exc:
        print(f"ramsts events export: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        store.dispose()
    return EXIT_OK


def purge_events(args: argparse.Namespace) -> int:
    try:
        age = parse_age(args.older_than, "--older-than")
    except InvalidParameter as exc:
        print(f"ramsts events purge: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    store = _open(args, "purge")
    if store is None:
        return EXIT_FAILURE
    try:
        purged = purge_expired(store, age)
    except StoreError as exc:
        print(f"ramsts events purge: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        store.dispose()
    print(f"purged {purged} events older than {args.older_than}")
    return EXIT_OK


def _open(args: argparse.Namespace, command: str) -> Store | None:
    settings = settings_from_env().overridden(db_url=args.db_url)
    try:
        # The server migrates; a reader refuses a schema it does not know rather than change it.
        return open_store(settings.db_url, migrate=False)
    except StoreError as exc:
        print(f"ramsts events {command}: {exc}", file=sys.stderr)
        return None


@contextmanager
def _output(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with open(path, "a", encoding="utf-8") as file:
        yield file


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM, while the block runs: a follower stops cleanly, after
    the line it is writing."""
    stop = threading.Event()

    def handle(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
