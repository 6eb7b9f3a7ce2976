"""The internal tree of a policy document, built by the parser from the JSON wire form.

Values are normalised (a single string becomes a one-element tuple, a lone statement object a
one-statement list), so two documents that mean the same thing compare equal, and
:meth:`Policy.dump` gives back a wire form that parses to an equal tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ramsts.policy.errors import PolicyKind

Effect = Literal["Allow", "Deny"]
PrincipalType = Literal["RAM", "Service", "Federated"]


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One key under one operator: ``{"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", …]}}``."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool = False
    resources: tuple[str, ...] = ()
    not_resource: bool = False
    principals: tuple[tuple[PrincipalType, tuple[str, ...]], ...] = ()
    conditions: tuple[ConditionClause, ...] = ()
    sid: str | None = None

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect
        if self.principals:
            out["Principal"] = {kind: list(values) for kind, values in self.principals}
        out["NotAction" if self.not_action else "Action"] = list(self.actions)
        if self.resources:
            out["NotResource" if self.not_resource else "Resource"] = list(self.resources)
        if self.conditions:
            block: dict[str, dict[str, list[str]]] = {}
            for clause in self.conditions:
                block.setdefault(clause.operator, {})[clause.key] = list(clause.values)
            out["Condition"] = block
        return out


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, valid policy document of one kind (identity, session or trust)."""

    kind: PolicyKind
    statements: tuple[Statement, ...]

    def dump(self) -> dict[str, Any]:
        """The JSON wire form (always lists, element order as the real service writes it)."""
        return {"Version": "1", "Statement": [statement.dump() for statement in self.statements]}
