"""``ramsts policy``: check policy documents and try requests against them, offline.

``validate`` parses each file as the server would (exit 3 and ``FILE: CODE at POINTER: message``
for the first problem of each bad file). ``simulate`` evaluates one request against identity
policies and an optional session policy and prints the decision with the statements that made it
(exit 0 allowed, 2 denied, 3 invalid input). Both call the same ``ramsts.policy`` API as the
server; a policy is named after its file (``ReadOnlyIoT.json`` → ``ReadOnlyIoT``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ramsts.cli import EXIT_DENIED, EXIT_INVALID, EXIT_OK
from ramsts.policy import (
    Policy,
    PolicyError,
    PolicyKind,
    Request,
    compile_policy_set,
    evaluate,
    parse_policy,
)

KINDS: tuple[PolicyKind, ...] = ("identity", "session", "trust")


class _InvalidInput(Exception):
    """A file or argument the command cannot use; its text is printed as is."""


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("policy", help="validate policy documents, simulate requests")
    commands = group.add_subparsers(dest="policy_command", metavar="COMMAND")

    validate = commands.add_parser("validate", help="check policy documents against the grammar")
    validate.add_argument("files", nargs="+", metavar="FILE", help="policy documents (JSON)")
    validate.add_argument("--kind", choices=KINDS, default="identity", help="default: identity")
    validate.set_defaults(func=run_validate)

    simulate = commands.add_parser("simulate", help="decide one request against policies")
    simulate.add_argument(
        "--policy", nargs="+", action="extend", required=True, metavar="FILE",
        help="identity policy documents (the caller's policies)",
    )  # fmt: skip
    simulate.add_argument("--session-policy", metavar="FILE", help="a role session's Policy")
    simulate.add_argument("--action", required=True, help="e.g. oss:GetObject")
    simulate.add_argument("--resource", required=True, help="e.g. acs:oss:*:*:bucket/key")
    simulate.add_argument(
        "--context", action="append", default=[], metavar="KEY=VALUE",
        help="a condition key (repeat a key for several values), e.g. acs:SourceIp=10.0.0.1",
    )  # fmt: skip
    simulate.add_argument("--json", action="store_true", help="print the decision as JSON")
    simulate.set_defaults(func=run_simulate)


def _problem(path: str, error: PolicyError) -> str:
    return f"{path}: {error.code} at {error.pointer or '/'}: {error.message}"


def _read(path: str, kind: PolicyKind) -> Policy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise _InvalidInput(f"{path}: cannot read the file: {reason}") from None
    try:
        return parse_policy(text, kind)
    except PolicyError as error:
        raise _InvalidInput(_problem(path, error)) from None


def run_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            policy = _read(path, args.kind)
        except _InvalidInput as problem:
            print(problem, file=sys.stderr)
            status = EXIT_INVALID
            continue
        print(f"{path}: valid {args.kind} policy, {len(policy.statements)} statement(s)")
    return status


def _context(pairs: list[str]) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise _InvalidInput(f"--context {pair!r}: expected KEY=VALUE")
        context.setdefault(key, []).append(value)
    return context


def run_simulate(args: argparse.Namespace) -> int:
    try:
        identity = compile_policy_set(
            [(Path(path).stem, _read(path, "identity")) for path in args.policy]
        )
        session = _read(args.session_policy, "session") if args.session_policy else None
        context = _context(args.context)
    except _InvalidInput as problem:
        print(problem, file=sys.stderr)
        return EXIT_INVALID
    decision = evaluate(
        Request(args.action, args.resource, context), identity=identity, session=session
    )
    if args.json:
        body = {
            "effect": decision.effect,
            "statements": [s._asdict() for s in decision.statements],
            "missing": list(decision.missing),
        }
        print(json.dumps(body, indent=2))
    else:
        print(decision.effect)
        for statement in decision.statements:
            print(f"  {statement.describe()}")
        if decision.missing:
            print(f"  {decision.explain()}")
    return EXIT_OK if decision.allowed else EXIT_DENIED
