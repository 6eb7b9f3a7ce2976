"""``ramsts keys rotate`` and ``ramsts keys list``: the keys that seal SecurityTokens.

A rotation makes a new key the one that mints; tokens of older keys keep working until they
expire. Running servers mint with the new key within 10 seconds and accept its tokens at once
(see :mod:`ramsts.sts.keys`). The command needs the server's master key (``RAMSTS_MASTER_KEY`` or
the key file under ``--data-dir``), because the new key is stored sealed under it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ramsts.cli import EXIT_FAILURE, EXIT_OK
from ramsts.config import settings_from_env
from ramsts.crypto import MasterKeyError
from ramsts.services import Services, build_services
from ramsts.store import StoreError
from ramsts.sts.keys import TokenKeyInfo, list_token_keys, rotate_token_key


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("keys", help="manage the SecurityToken key ring")
    commands = parser.add_subparsers(dest="keys_command", metavar="COMMAND", required=True)
    rotate = commands.add_parser(
        "rotate",
        help="make a new key mint SecurityTokens",
        description="Add a new SecurityToken key and make it current; older tokens keep working.",
    )
    listing = commands.add_parser("list", help="list the keys, newest first")
    for command, func in ((rotate, rotate_keys), (listing, list_keys)):
        command.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
        command.add_argument(
            "--data-dir", help="directory of the master key file (RAMSTS_DATA_DIR)"
        )
        command.add_argument("--json", action="store_true", help="print JSON")
        command.set_defaults(func=func)


def rotate_keys(args: argparse.Namespace) -> int:
    def rotate(services: Services) -> list[TokenKeyInfo]:
        return [rotate_token_key(services.store, services.master_key, now=services.clock())]

    return _run("rotate", args, rotate)


def list_keys(args: argparse.Namespace) -> int:
    return _run("list", args, lambda services: list_token_keys(services.store))


def _run(
    name: str, args: argparse.Namespace, action: Callable[[Services], list[TokenKeyInfo]]
) -> int:
    settings = settings_from_env().overridden(db_url=args.db_url, data_dir=args.data_dir)
    try:
        services = build_services(settings, action_modules=())
    except (MasterKeyError, StoreError) as exc:
        print(f"ramsts keys {name}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        keys = action(services)
    finally:
        services.close()
    rows = [
        {
            "KeyId": key.key_id,
            "CreateDate": f"{key.created_at:%Y-%m-%dT%H:%M:%SZ}",
            "Current": key.is_current,
        }
        for key in keys
    ]
    if args.json:
        print(json.dumps(rows[0] if name == "rotate" else rows, indent=2))
    else:
        for row in rows:
            mark = "current" if row["Current"] else ""
            print(f"{row['KeyId']}  {row['CreateDate']}  {mark}".rstrip())
    return EXIT_OK
