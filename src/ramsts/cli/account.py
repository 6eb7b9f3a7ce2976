"""``ramsts account create``: a new account with its root AccessKey pair.

The secret is printed once and stored only sealed under the master key, so this command must use
the server's master key: the same ``RAMSTS_MASTER_KEY`` or ``--data-dir`` (key file) as the server.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ramsts.cli import EXIT_FAILURE, EXIT_OK
from ramsts.config import settings_from_env
from ramsts.crypto import MasterKeyError
from ramsts.ram.accounts import AccountService
from ramsts.services import build_services
from ramsts.store import StoreError
from ramsts.types import Secret

PASSWORD_ENV = "RAMSTS_ACCOUNT_PASSWORD"  # noqa: S105 (a variable name)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("account", help="manage accounts")
    commands = parser.add_subparsers(dest="account_command", metavar="COMMAND", required=True)
    create = commands.add_parser(
        "create",
        help="create an account and its root AccessKey",
        description="Create an account; prints its AccountId and root AccessKey pair once.",
    )
    create.add_argument("--name", required=True, help="the account's name")
    create.add_argument(
        "--password",
        help=f"root console password (or {PASSWORD_ENV}, which other users cannot see in ps)",
    )
    create.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    create.add_argument("--data-dir", help="directory of the master key file (RAMSTS_DATA_DIR)")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(func=create_account)


def create_account(args: argparse.Namespace) -> int:
    settings = settings_from_env().overridden(db_url=args.db_url, data_dir=args.data_dir)
    password_text = args.password if args.password is not None else os.environ.get(PASSWORD_ENV)
    password = Secret(password_text) if password_text else None
    try:
        services = build_services(settings, action_modules=())
    except (MasterKeyError, StoreError) as exc:
        print(f"ramsts account create: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        accounts: AccountService = services.accounts
        created = accounts.create_account(args.name, password=password)
    finally:
        services.close()
    body = {
        "AccountId": created.account_id,
        "AccessKeyId": created.access_key_id,
        "AccessKeySecret": created.access_key_secret.reveal(),
    }
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        for name, value in body.items():
            print(f"{name}: {value}")
    return EXIT_OK
