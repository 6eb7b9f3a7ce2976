"""The ``ramsts`` command.

Each command group lives in its own module with a ``register(subparsers)`` function that adds its
sub-commands; each sub-command sets ``func`` to a callable taking the parsed arguments and returning
the exit code. The CLI calls the same services as the HTTP API.

Exit codes: 0 ok, 1 failure, 2 denied, 3 invalid input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ramsts import __version__
from ramsts.errors import RamstsError, ServiceUnavailable

EXIT_OK, EXIT_FAILURE, EXIT_DENIED, EXIT_INVALID = 0, 1, 2, 3

# Command-group modules, in the order `ramsts --help` lists them. A module that is not there yet
# is simply skipped, so groups can land one at a time.
COMMAND_GROUPS = (
    "serve",
    "migrate",
    "tls",
    "account",
    "policy",
    "call",
    "keys",
    "role",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ramsts", description="Self-hosted Alibaba Cloud RAM and STS."
    )
    parser.add_argument("--version", action="version", version=f"ramsts {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_GROUPS:
        try:
            module = importlib.import_module(f"ramsts.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ramsts.cli.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_INVALID
    try:
        return int(func(args))
    except RamstsError as exc:
        # The operator, unlike an API client, is told what was unavailable.
        reason = exc.reason if isinstance(exc, ServiceUnavailable) else ""
        print(f"{exc.code}: {reason or exc.message}", file=sys.stderr)
        return EXIT_INVALID if exc.http_status == 400 else EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
