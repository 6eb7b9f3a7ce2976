"""casbin (pycasbin) as a benchmark peer.

The model (`casbin_model.conf`, next to this file) has one policy line per RAM statement: the
statement's actions and resources become one anchored regular expression each (`*` → `.*`,
`?` → `.`, actions case-insensitive, several patterns joined with `|`), matched with casbin's
`regexMatch`; the effect is deny-override with default deny, RAM's rule.

Conditions are dropped (a casbin matcher has no place for RAM's per-statement operators without
`eval` on every line), so decisions are judged against `expected_nocond`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import casbin

from peers import Reference, as_list, check_supported, statements

MODEL = Path(__file__).with_name("casbin_model.conf")
SUBJECT = "acs:ram::1234567890123456:user/bench-user"


def glob_regex(globs: list[str], *, ignore_case: bool) -> str:
    """One anchored regular expression matching any of the RAM globs."""
    alternatives = [
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
        for glob in globs
    ]
    return ("(?i)" if ignore_case else "") + "^(?:" + "|".join(alternatives) + r")\Z"


def to_policy_line(statement: dict[str, Any]) -> list[str]:
    check_supported(statement, "casbin")
    return [
        SUBJECT,
        glob_regex(as_list(statement["Action"]), ignore_case=True),
        glob_regex(as_list(statement["Resource"]), ignore_case=False),
        "allow" if statement["Effect"] == "Allow" else "deny",
    ]


class CasbinEngine:
    name = "casbin"
    reference: Reference = "expected_nocond"

    def __init__(self, policies: Sequence[dict[str, Any]]) -> None:
        self._enforcer = casbin.Enforcer(str(MODEL))
        self._enforcer.add_policies([to_policy_line(s) for _, _, s in statements(policies)])

    def prepare(self, request: dict[str, Any]) -> tuple[str, str, str]:
        return SUBJECT, request["action"], request["resource"]

    def decide(self, prepared: tuple[str, str, str]) -> bool:
        return bool(self._enforcer.enforce(*prepared))
