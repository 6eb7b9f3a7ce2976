"""``ramsts account create``: a new account with its root AccessKey pair.
``ramsts account new-root-key --account ID``: a new root AccessKey (and, with
``--console-password``, a new console password) for an account whose first ones were lost; only
someone who can run ramsts on its machine, with its master key and database, can do it.

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
from ramsts.errors import RamstsError
from ramsts.ram.accounts import AccountService, CreatedAccount
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

    new_key = commands.add_parser(
        "new-root-key",
        help="issue a new root AccessKey for an account, from the server's machine",
        description="Issue a new root AccessKey pair for the account and print it once; with "
        "--revoke-others the root's other AccessKeys are deleted, with --console-password the "
        "root's console password is replaced by a generated one, printed once.",
    )
    new_key.add_argument("--account", required=True, metavar="ID", help="the AccountId")
    new_key.add_argument(
        "--revoke-others", action="store_true", help="delete the root's other AccessKeys"
    )
    new_key.add_argument(
        "--console-password", action="store_true", help="also set a new console password"
    )
    new_key.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    new_key.add_argument("--data-dir", help="directory of the master key file (RAMSTS_DATA_DIR)")
    new_key.add_argument("--json", action="store_true", help="print JSON")
    new_key.set_defaults(func=new_root_key)


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
    # The password was the caller's own: it is not printed back.
    _print_credentials(created, as_json=args.json, with_password=False)
    return EXIT_OK


def new_root_key(args: argparse.Namespace) -> int:
    settings = settings_from_env().overridden(db_url=args.db_url, data_dir=args.data_dir)
    try:
        services = build_services(settings, action_modules=())
    except (MasterKeyError, StoreError) as exc:
        print(f"ramsts account new-root-key: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        issued = services.accounts.issue_root_credentials(
            args.account,
            revoke_others=args.revoke_others,
            console_password=args.console_password,
        )
    except RamstsError as error:
        print(f"ramsts account new-root-key: {error.code}: {error.message}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        services.close()
    _print_credentials(issued, as_json=args.json, with_password=True)
    return EXIT_OK


def _print_credentials(created: CreatedAccount, *, as_json: bool, with_password: bool) -> None:
    body = {
        "AccountId": created.account_id,
        "AccessKeyId": created.access_key_id,
        "AccessKeySecret": created.access_key_secret.reveal(),
    }
    if with_password and created.console_password is not None:
        body["ConsolePassword"] = created.console_password.reveal()
    if as_json:
        print(json.dumps(body, indent=2))
    else:
        for name, value in body.items():
            print(f"{name}: {value}")
