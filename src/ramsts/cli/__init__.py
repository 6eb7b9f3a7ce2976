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
from functools import partial
from typing import Any

from ramsts import __version__
from ramsts.errors import RamstsError, ServiceUnavailable

EXIT_OK, EXIT_FAILURE, EXIT_DENIED, EXIT_INVALID = 0, 1, 2, 3

# Command-group modules, in the order `ramsts --help` lists them, with the commands each adds. A
# module that is not there yet is simply skipped, so groups can land one at a time.
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "serve": ("serve",),
    "migrate": ("migrate",),
    "tls": ("tls",),
    "account": ("account",),
    "policy": ("policy",),
    "call": ("call",),
    "keys": ("keys",),
    "role": ("role",),
    "events": ("events",),
    "demo": ("demo", "demo-iot"),
}

INSTALL_SERVER = "pip install 'ramsts[server]'"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ramsts", description="Self-hosted Alibaba Cloud RAM and STS."
    )
    parser.add_argument("--version", action="version", version=f"ramsts {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, commands in COMMAND_GROUPS.items():
        try:
            module = importlib.import_module(f"ramsts.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ramsts.cli.{name}":
                continue
            if exc.name is None or exc.name.split(".")[0] == "ramsts":
                raise
            _add_needing_server(subparsers, commands, exc.name.split(".")[0])
            continue
        module.register(subparsers)
    return parser


def _add_needing_server(subparsers: Any, commands: tuple[str, ...], missing: str) -> None:
    """Commands whose module imports a library of the ``server`` extra that is not installed
    (a ``ramsts[guard]`` install): each is still listed, and says how to install it."""
    for command in commands:
        # No option prefix: whatever follows the command is taken, --help included, so that the
        # answer is the missing install, not an unknown option.
        placeholder = subparsers.add_parser(
            command, help=f"(needs {INSTALL_SERVER})", add_help=False, prefix_chars="\0"
        )
        placeholder.add_argument("arguments", nargs="*")
        placeholder.set_defaults(func=partial(_needs_server, command, missing))


def _needs_server(command: str, missing: str, args: argparse.Namespace) -> int:
    print(
        f"ramsts {command} needs the server's libraries ({missing} is not installed):"
        f" {INSTALL_SERVER}",
        file=sys.stderr,
    )
    return EXIT_FAILURE


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
