"""What the evaluator answers: an effect, and the statements that decided it.

A deny is a value, not an exception (the action turns it into ``NoPermission`` at the boundary),
and it carries its reasons so a user can be told which statement of which policy decided.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from ramsts.policy.document import Effect

DecisionEffect = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]


class DecidingStatement(NamedTuple):
    """One statement that applied: its policy (name, or position when unnamed) and index."""

    policy: str | int
    statement: int
    effect: Effect
    sid: str | None = None

    def describe(self) -> str:
        sid = f" (Sid {self.sid!r})" if self.sid is not None else ""
        return f"{self.effect} by statement {self.statement}{sid} of policy {self.policy!r}"


class Decision(NamedTuple):
    """``effect`` with its reasons.

    ``statements`` are the applicable Deny statements of an ExplicitDeny, or the applicable Allow
    statements of an Allow (from every policy set that had to allow). ``missing`` names the policy
    sets ("identity", "session", "trust") that gave no Allow, for an ImplicitDeny.
    """

    effect: DecisionEffect
    statements: tuple[DecidingStatement, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.effect == "Allow"

    def explain(self) -> str:
        if self.effect == "ImplicitDeny":
            sets = " and ".join(self.missing) or "any"
            return f"ImplicitDeny: no statement of the {sets} policies allows the request"
        return f"{self.effect}: " + "; ".join(s.describe() for s in self.statements)
