"""``ramsts role revoke-sessions ROLE --account ID``: refuse every live session of a role.

Every SecurityToken of the role issued up to now is refused from the next request on (within a
second in every server process), with ``InvalidSecurityToken.Expired``; sessions begun afterwards
work. The API offers the same as ``RevokeRoleSessions`` (see ``docs/sts.md``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ramsts.cli import EXIT_FAILURE, EXIT_OK
from ramsts.config import settings_from_env
from ramsts.crypto import MasterKeyError
from ramsts.services import build_services
from ramsts.store import StoreError
from ramsts.sts.revocation import render_revocation, revoke_role_sessions


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("role", help="manage RAM roles")
    commands = parser.add_subparsers(dest="role_command", metavar="COMMAND", required=True)
    revoke = commands.add_parser(
        "revoke-sessions",
        help="refuse every session of a role issued until now",
        description="Refuse every SecurityToken of the role issued until now.",
    )
    revoke.add_argument("role_name", metavar="ROLE", help="the role's name")
    revoke.add_argument("--account", required=True, metavar="ID", help="the role's AccountId")
    revoke.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    revoke.add_argument("--data-dir", help="directory of the master key file (RAMSTS_DATA_DIR)")
    revoke.add_argument("--json", action="store_true", help="print JSON")
    revoke.set_defaults(func=revoke_sessions)


def revoke_sessions(args: argparse.Namespace) -> int:
    settings = settings_from_env().overridden(db_url=args.db_url, data_dir=args.data_dir)
    try:
        services = build_services(settings, action_modules=())
    except (MasterKeyError, StoreError) as exc:
        print(f"ramsts role revoke-sessions: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        role = revoke_role_sessions(
            services.store, args.account, args.role_name, now=services.clock()
        )
    finally:
        services.close()
    body = render_revocation(role)["Role"]
    if args.json:
        print(json.dumps(body, indent=2))
    else:
        print(f"Sessions of {body['Arn']} issued before {body['SessionsNotBefore']} are refused.")
    return EXIT_OK
