"""What the guard answers: who signed the request, and the policy decision on what it asked.

Both modes (local and remote) return the same values; the remote mode reads them from the
``VerifyRequest`` response, whose JSON shape :func:`principal_body` / :func:`decision_body`
define and :func:`principal_from_body` / :func:`decision_from_body` read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from ramsts.caller import Caller, IdentityType
from ramsts.errors import NoPermission
from ramsts.policy import DecidingStatement, Decision, DecisionEffect

ACCOUNT_PLACEHOLDER = "${AccountId}"
"""Written in a resource ARN, stands for the verified caller's account: a service usually learns
whose resource is meant only once it knows who calls
(``acs:iot:cn-shanghai:${AccountId}:product/…``)."""

Resources = str | tuple[str, ...]
"""What a request is authorized on: one resource, or several that must each be allowed (a
request that reads several resources at once, such as every device of a batch)."""

DENIED_MESSAGE = "You are not authorized to do this action. Resource: {resource} Action: {action}"

_IDENTITY_TYPES = ("Account", "RAMUser", "AssumedRoleUser")
_EFFECTS = ("Allow", "ExplicitDeny", "ImplicitDeny")


@dataclass(frozen=True, slots=True)
class VerifiedPrincipal:
    """The principal a verified request acts as (the fields of GetCallerIdentity)."""

    account_id: str
    arn: str
    """Role sessions: ``acs:ram::<uid>:assumed-role/<role>/<session>``."""
    identity_type: IdentityType
    principal_id: str
    access_key_id: str

    @classmethod
    def of(cls, caller: Caller) -> VerifiedPrincipal:
        return cls(
            caller.account_id,
            caller.arn,
            caller.identity_type,
            caller.principal_id,
            caller.access_key_id,
        )


@dataclass(frozen=True, slots=True)
class GuardResult:
    principal: VerifiedPrincipal
    decision: Decision
    action: str
    resource: str
    """The resource decided, with :data:`ACCOUNT_PLACEHOLDER` filled in: of several, the first
    refused, or the first when all were allowed."""
    access_denied_detail: Mapping[str, Any] | None = field(default=None, repr=False)
    """``AccessDeniedDetail`` of a denial (what NoPermission carries to the client)."""

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def denial(self) -> NoPermission:
        """The error a denied request is answered with (403)."""
        # ``detail`` is rendered as the envelope's AccessDeniedDetail object (api.md §5.1).
        return NoPermission(
            None,
            DENIED_MESSAGE.format(resource=self.resource, action=self.action),
            detail=dict(self.access_denied_detail or {}),
        )


def as_resources(resources: Resources) -> tuple[str, ...]:
    """One resource or several, as a tuple; refuses none at all, which would authorize nothing."""
    listed = (resources,) if isinstance(resources, str) else tuple(resources)
    if not listed:
        raise ValueError("a request must be authorized on at least one resource")
    return listed


def resolve_resource(resource: str, account_id: str) -> str:
    return resource.replace(ACCOUNT_PLACEHOLDER, account_id)


def all_allowed(decisions: Iterable[Decision]) -> Decision:
    """The Allow of several resources that were each allowed, naming every allowing statement
    once."""
    statements = dict.fromkeys(s for decision in decisions for s in decision.statements)
    return Decision("Allow", tuple(statements))


def principal_body(principal: VerifiedPrincipal) -> dict[str, str]:
    return {
        "AccountId": principal.account_id,
        "Arn": principal.arn,
        "IdentityType": principal.identity_type,
        "PrincipalId": principal.principal_id,
        "AccessKeyId": principal.access_key_id,
    }


def principal_from_body(body: Mapping[str, Any]) -> VerifiedPrincipal:
    identity_type = str(body["IdentityType"])
    if identity_type not in _IDENTITY_TYPES:
        raise ValueError(f"unknown IdentityType {identity_type!r}")
    return VerifiedPrincipal(
        account_id=str(body["AccountId"]),
        arn=str(body["Arn"]),
        identity_type=cast(IdentityType, identity_type),
        principal_id=str(body["PrincipalId"]),
        access_key_id=str(body["AccessKeyId"]),
    )


def decision_body(decision: Decision) -> dict[str, Any]:
    """``{"Effect", "Statements": {"Statement": [...]}, "MissingPolicySets": [...]}``; list
    wrapping as RAM's responses do (api.md §9.5)."""
    return {
        "Effect": decision.effect,
        "Statements": {
            "Statement": [
                {
                    "Policy": str(statement.policy),
                    "Index": statement.statement,
                    "Effect": statement.effect,
                    **({"Sid": statement.sid} if statement.sid is not None else {}),
                }
                for statement in decision.statements
            ]
        },
        "MissingPolicySets": list(decision.missing),
    }


def decision_from_body(body: Mapping[str, Any]) -> Decision:
    effect = str(body["Effect"])
    if effect not in _EFFECTS:
        raise ValueError(f"unknown Effect {effect!r}")
    statements = tuple(
        DecidingStatement(
            policy=str(item["Policy"]),
            statement=int(item["Index"]),
            effect="Deny" if item["Effect"] == "Deny" else "Allow",
            sid=item.get("Sid"),
        )
        for item in body.get("Statements", {}).get("Statement", [])
    )
    missing = tuple(str(name) for name in body.get("MissingPolicySets", []))
    return Decision(cast(DecisionEffect, effect), statements, missing)
