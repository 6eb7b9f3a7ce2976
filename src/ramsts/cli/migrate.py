"""``ramsts migrate [--db URL]``: bring the database's schema up to date, and nothing else.

Every command that opens the store migrates it already; this one lets a deployment do it as a
step of its own, before any server starts (a systemd ``ExecStartPre=``, a release job), without
the master key. Several at once on one PostgreSQL are serialised (see
:mod:`ramsts.store.migrate`). The URL is shown without its password.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ramsts.cli import EXIT_FAILURE, EXIT_OK
from ramsts.config import settings_from_env
from ramsts.store import StoreError, open_store, shown_url
from ramsts.store.migrate import head_revision


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="bring the database schema up to date",
        description="Apply the schema migrations this ramsts ships to the database.",
    )
    parser.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_env().overridden(db_url=args.db_url)
    try:
        shown = shown_url(settings.db_url)
        open_store(settings.db_url).dispose()
    except (StoreError, ValueError) as exc:
        print(f"ramsts migrate: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"ramsts migrate: {shown} is at schema revision {head_revision()}")
    return EXIT_OK
