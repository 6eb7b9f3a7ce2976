"""What a page shows when an action fails: the service's code and message and, for a denial,
what was refused and why.

A ``NoPermission`` carries the AccessDeniedDetail of the real service (the action, the principal,
the kind of deny). The deciding statements are in its sealed diagnostic message, which the
console opens the way a user would: by running ``DecodeDiagnosticMessage``'s use case as the
signed-in principal. Someone whose policies do not allow that call sees the kind of deny, not the
statements — the console shows no more than the API would tell the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ramsts.caller import Caller
from ramsts.errors import NoPermission, RamstsError
from ramsts.ram.diagnostics import decode_diagnostic_message
from ramsts.ram.service import RamService

DENY_REASONS = {
    "ImplicitDeny": "None of the policies in force allows this action.",
    "ExplicitDeny": "A Deny statement in the policies in force refuses this action.",
}


@dataclass(frozen=True, slots=True)
class Denial:
    action: str
    principal: str
    principal_type: str
    deny_type: str
    policy_type: str
    reason: str
    explanation: str = ""
    """The decision spelled out, when the principal may decode its diagnostic message."""
    matched: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    http_status: int
    denial: Denial | None = None


def describe_error(error: RamstsError, ram: RamService, caller: Caller) -> Problem:
    """The problem to show for ``error``, raised by an action ``caller`` ran."""
    denial = None
    # ``detail`` is the AccessDeniedDetail itself. A refusal by a rule rather than a policy (a
    # security preference) has none: its message says it all.
    if isinstance(error, NoPermission) and error.detail:
        denial = _denial(error.detail, ram, caller)
    return Problem(
        code=error.code, message=error.message, http_status=error.http_status, denial=denial
    )


def _denial(detail: dict[str, str], ram: RamService, caller: Caller) -> Denial:
    deny_type = detail.get("NoPermissionType", "ImplicitDeny")
    explanation = ""
    matched: list[dict[str, Any]] = []
    encoded = detail.get("EncodedDiagnosticMessage", "")
    if encoded:
        try:
            decoded = decode_diagnostic_message(ram, caller, encoded)
        except RamstsError:
            pass  # not allowed to decode: the kind of deny is all this principal may learn
        else:
            explanation = str(decoded.get("Explanation", ""))
            matched = list(decoded.get("MatchedPolicies", []))
    return Denial(
        action=detail.get("AuthAction", ""),
        principal=detail.get("AuthPrincipalDisplayName", caller.display_name),
        principal_type=detail.get("AuthPrincipalType", ""),
        deny_type=deny_type,
        policy_type=detail.get("PolicyType", ""),
        reason=DENY_REASONS.get(deny_type, deny_type),
        explanation=explanation,
        matched=matched,
    )
