"""Trust evaluation: may this principal assume the role whose AssumeRolePolicyDocument this is?
(R29–R31)

A ``RAM`` principal ``acs:ram::<uid>:root`` trusts every RAM user and role session of account
``<uid>`` (never the account itself: the root cannot call AssumeRole); ``…:user/<name>`` trusts
that user; ``…:role/<name>`` trusts sessions of that role, whichever of the three assumed-role ARN
forms the session is known by (decision 2). ``Service`` and ``Federated`` principals are compared
with the calling service's name and the identity provider's ARN.

A name stands for the entity that carried it when the trust policy was written (R36), as the
real service keys RAM principals by their stable ids: whoever writes the policy hands
:func:`evaluate_trust` the ids it bound each named user and role to (:func:`named_principals`
lists them), and an ``Allow`` naming ``…:user/alice`` is then satisfied only by the user of that
``UserId``, not by a later user who took the name. The engine itself knows no store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ramsts.policy.compiler import CompiledCondition, compile_conditions, conditions_hold
from ramsts.policy.decision import DecidingStatement, Decision
from ramsts.policy.document import Policy
from ramsts.policy.parser import TRUST_ACTIONS
from ramsts.policy.request import ContextValue, Request

PrincipalKind = Literal["Account", "RAMUser", "AssumedRoleUser", "Service", "Federated"]
TRUST_POLICY_NAME = "AssumeRolePolicyDocument"

# acs:ram:<region>:<uid>:<type>/<name>…, where region is empty or "*".
_RAM_ARN = re.compile(r"acs:(?:ram|sts):\*?:([0-9]+):([a-z-]+)(?:/(.*))?")
_ASSUMED_ROLE = re.compile(r"acs:(?:ram|sts)::([0-9]+):(?:assumed-role|role)/([^/]+)/[^/]+")

_ENTITY_KINDS: dict[PrincipalKind, str] = {"RAMUser": "user", "AssumedRoleUser": "role"}
"""Which named principals a caller's ``entity_id`` can be bound to."""

Identity = tuple[str, ...]
"""A normalised principal identity: ("root", uid), ("user", uid, name), ("role", uid, name),
("service", name) or ("federated", uid, "<type>/<name>")."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks to assume the role.

    ``arn`` is the caller's ARN (for ``Service``: the service name, ``ecs.aliyuncs.com``; for
    ``Federated``: the identity provider's ARN). ``role_arn`` may give a role session's role
    directly; otherwise it is read from the session's ARN.
    """

    arn: str
    account_id: str
    type: PrincipalKind
    role_arn: str | None = None
    entity_id: str | None = None
    """A RAM user's ``UserId``, or a role session's ``RoleId``: what a named principal of a
    trust policy was bound to (R36)."""


@dataclass(frozen=True, slots=True)
class NamedPrincipal:
    """A RAM user or role a trust policy names: ``acs:ram::<account_id>:<kind>/<name>``."""

    kind: Literal["user", "role"]
    account_id: str
    name: str

    @property
    def arn(self) -> str:
        """The canonical spelling (no region), the key of its bound id."""
        return f"acs:ram::{self.account_id}:{self.kind}/{self.name}"


def named_principals(policy: Policy) -> tuple[NamedPrincipal, ...]:
    """Every RAM user and role ``policy`` names, once each, in the order written: what a
    trust policy's writer binds to ids (R36)."""
    found: dict[NamedPrincipal, None] = {}
    for statement in policy.statements:
        for kind, values in statement.principals:
            for value in values:
                named = _named(_policy_identity(kind, value))
                if named is not None:
                    found[named] = None
    return tuple(found)


def _named(identity: Identity) -> NamedPrincipal | None:
    if len(identity) == 3 and identity[0] in ("user", "role"):
        return NamedPrincipal("user" if identity[0] == "user" else "role", identity[1], identity[2])
    return None


def _policy_identity(kind: str, value: str) -> Identity:
    if kind == "Service":
        return ("service", value)
    match = _RAM_ARN.fullmatch(value)
    if match is None:  # the parser only lets well-formed principals through
        return ("unknown", value)
    uid, entity, name = match.groups()
    if kind == "Federated":
        return ("federated", uid, f"{entity}/{name}")
    return (entity, uid) if name is None else (entity, uid, name)


def principal_identities(principal: Principal) -> frozenset[Identity]:
    """Every trust-policy principal that names this caller."""
    if principal.type == "Service":
        return frozenset({("service", principal.arn)})
    if principal.type == "Federated":
        return frozenset({_policy_identity("Federated", principal.arn)})
    if principal.type == "RAMUser":
        found: set[Identity] = {("root", principal.account_id)}
        match = _RAM_ARN.fullmatch(principal.arn)
        if match is not None and match.group(2) == "user" and match.group(3):
            found.add(("user", match.group(1), match.group(3)))
        return frozenset(found)
    if principal.type == "AssumedRoleUser":
        found = {("root", principal.account_id)}
        if principal.role_arn is not None:
            role = _RAM_ARN.fullmatch(principal.role_arn)
            if role is not None and role.group(2) == "role" and role.group(3):
                found.add(("role", role.group(1), role.group(3)))
        session = _ASSUMED_ROLE.fullmatch(principal.arn)
        if session is not None:
            found.add(("role", session.group(1), session.group(2)))
        return frozenset(found)
    return frozenset()


@dataclass(frozen=True, slots=True)
class _TrustStatement:
    principals: frozenset[Identity]
    named: tuple[NamedPrincipal, ...]
    """The RAM users and roles among ``principals``."""
    conditions: tuple[CompiledCondition, ...]
    reason: DecidingStatement

    def names(
        self,
        identities: frozenset[Identity],
        principal: Principal,
        principal_ids: Mapping[str, str] | None,
    ) -> bool:
        """Whether the statement applies to ``principal`` (R29, R36).

        By name alone when no ids are given (a policy evaluated on its own). With the ids the
        policy's writer bound, an ``Allow`` naming a user or role applies only to the entity
        bound to that name, and a ``Deny`` applies to whoever carries the name *or* the bound
        entity under a new name: binding only ever narrows what a policy allows.
        """
        matched = identities & self.principals
        if principal_ids is None:
            return bool(matched)
        kind = _ENTITY_KINDS.get(principal.type)

        def bound_to_caller(named: NamedPrincipal) -> bool:
            return (
                named.kind == kind
                and principal.entity_id is not None
                and principal_ids.get(named.arn) == principal.entity_id
            )

        if self.reason.effect == "Deny":
            return bool(matched) or any(map(bound_to_caller, self.named))
        return any(
            (named := _named(identity)) is None or bound_to_caller(named) for identity in matched
        )


_COMPILED_LIMIT = 1024
_compiled: dict[tuple[int, str], tuple[Policy, tuple[_TrustStatement, ...]]] = {}
"""Compiled trust policies by the identity of the parsed policy. Services keep a role's parsed
trust policy while its text is unchanged, so the same object comes back on every AssumeRole; the
entry holds the policy itself, so its id cannot be reused while it is cached."""


def _compiled_trust(policy: Policy, name: str) -> tuple[_TrustStatement, ...]:
    key = (id(policy), name)
    entry = _compiled.get(key)
    if entry is not None and entry[0] is policy:
        return entry[1]
    statements = _compile(policy, name)
    if len(_compiled) >= _COMPILED_LIMIT:
        _compiled.clear()
    _compiled[key] = (policy, statements)
    return statements


def _compile(policy: Policy, name: str) -> tuple[_TrustStatement, ...]:
    out = []
    for index, statement in enumerate(policy.statements):
        principals = frozenset(
            _policy_identity(kind, value)
            for kind, values in statement.principals
            for value in values
        )
        named = tuple(n for n in map(_named, principals) if n is not None)
        reason = DecidingStatement(name, index, statement.effect, statement.sid)
        out.append(
            _TrustStatement(principals, named, compile_conditions(statement.conditions), reason)
        )
    return tuple(out)


def evaluate_trust(
    trust_policy: Policy,
    principal: Principal,
    context: Mapping[str, ContextValue] | None = None,
    *,
    action: str = "sts:AssumeRole",
    policy_name: str = TRUST_POLICY_NAME,
    principal_ids: Mapping[str, str] | None = None,
) -> Decision:
    """Decide whether ``principal`` may assume the role (``sts:ExternalId`` etc. in ``context``).

    ``sts:AssumeRole``, ``sts:AssumeRoleWithOIDC`` and ``sts:AssumeRoleWithSAML`` are synonyms in
    trust policies (decision 10). ``principal_ids`` maps each :class:`NamedPrincipal`'s ARN to
    the id it was bound to when the policy was written (R36); a role's trust is always decided
    with them, an absent name matching no one. Without them names alone are compared.
    """
    if action.lower() not in TRUST_ACTIONS:
        return Decision("ImplicitDeny", (), ("trust",))
    identities = principal_identities(principal)
    request = Request(action=action, resource="", context=context or {})
    denies: list[DecidingStatement] = []
    allows: list[DecidingStatement] = []
    for statement in _compiled_trust(trust_policy, policy_name):
        if not statement.names(identities, principal, principal_ids):
            continue
        if statement.conditions and not conditions_hold(statement.conditions, request):
            continue
        (denies if statement.reason.effect == "Deny" else allows).append(statement.reason)
    if denies:
        return Decision("ExplicitDeny", tuple(denies))
    if allows:
        return Decision("Allow", tuple(allows))
    return Decision("ImplicitDeny", (), ("trust",))
