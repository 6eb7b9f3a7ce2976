"""The parser: a policy document's JSON wire form → a validated :class:`Policy` tree.

It applies the grammar of ``docs/policy-language.md`` (R1–R12) strictly: a document ramsts
accepts must also be accepted by the cloud. Every refusal is a :class:`PolicyError` whose message
names the place with a JSON pointer and quotes the offending input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from ramsts.policy.conditions import OPERATORS, unknown_operator_reason
from ramsts.policy.document import ConditionClause, Effect, Policy, PrincipalType, Statement
from ramsts.policy.errors import (
    GRAMMAR_CODES,
    POLICY_KINDS,
    SIZE_CODES,
    PolicyError,
    PolicyKind,
    pointer_join,
    quote,
)
from ramsts.policy.reader import JsonObject, read_document


@dataclass(frozen=True, slots=True)
class PolicyLimits:
    """Size limits in whitespace-insignificant characters (decision 1); configuration."""

    identity: int = 6144
    session: int = 2048
    trust: int = 2048

    def for_kind(self, kind: PolicyKind) -> int:
        return int(getattr(self, kind))


DEFAULT_LIMITS = PolicyLimits()

_TOP_ELEMENTS = ("Version", "Statement")
_PERMISSION_ELEMENTS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource")
_TRUST_ELEMENTS = ("Sid", "Effect", "Action", "Principal")
_EFFECTS: tuple[Effect, ...] = ("Allow", "Deny")
_PRINCIPAL_TYPES: tuple[PrincipalType, ...] = get_args(PrincipalType)
TRUST_ACTIONS = frozenset(("sts:assumerole", "sts:assumerolewithoidc", "sts:assumerolewithsaml"))

_ACTION = re.compile(r"\*|[A-Za-z0-9_.*?-]+:[A-Za-z0-9_.*?-]+")
_CONDITION_KEY = re.compile(r"[A-Za-z0-9_.-]+:\S+")
_PRINCIPAL_FORMS: dict[PrincipalType, tuple[re.Pattern[str], str]] = {
    "RAM": (
        re.compile(r"acs:ram:\*?:[0-9]+:(?:root|user/[^/*?]+|role/[^/*?]+)"),
        "acs:ram::<account-id>:root, …:user/<name> or …:role/<name>",
    ),
    "Service": (
        re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.aliyuncs\.com"),
        "<service>.aliyuncs.com",
    ),
    "Federated": (
        re.compile(r"acs:ram:\*?:[0-9]+:(?:saml-provider|oidc-provider)/[^/*?]+"),
        "acs:ram::<account-id>:saml-provider/<name> or …:oidc-provider/<name>",
    ),
}


def parse_policy(
    source: str | bytes | Mapping[str, Any],
    kind: PolicyKind = "identity",
    *,
    limits: PolicyLimits = DEFAULT_LIMITS,
) -> Policy:
    """Parse and validate a policy document of ``kind`` ("identity", "session" or "trust")."""
    if kind not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {kind!r}")
    grammar = _Grammar(kind)
    value, size = read_document(source, grammar.code)
    limit = limits.for_kind(kind)
    if size > limit:
        raise PolicyError(
            SIZE_CODES[kind],
            f"The policy document has {size} characters (not counting whitespace); "
            f"the limit for {kind} policies is {limit}.",
            "",
        )
    return grammar.policy(value)


class _Grammar:
    """The checks of one document kind; each method validates one element at a pointer."""

    def __init__(self, kind: PolicyKind) -> None:
        self.kind = kind
        self.code = GRAMMAR_CODES[kind]

    def fail(self, pointer: str, problem: str) -> PolicyError:
        where = pointer or "/"
        return PolicyError(self.code, f"Invalid policy document at {where}: {problem}.", pointer)

    def policy(self, value: Any) -> Policy:
        top = self.object(value, "", "the policy document")
        self.known_elements(top, "", _TOP_ELEMENTS, "policy")
        if "Version" not in top:
            raise self.fail("", "the element Version is required")
        version = self.string(top["Version"], "/Version")
        if version != "1":
            raise self.fail("/Version", f'{quote(version)} is not a policy version; use "1"')
        if "Statement" not in top:
            raise self.fail("", "the element Statement is required")
        raw = top["Statement"]
        if isinstance(raw, Mapping):
            raw = [raw]
        if not isinstance(raw, list):
            raise self.fail("/Statement", f"{quote(raw)} is not a statement or a list of them")
        if not raw:
            raise self.fail("/Statement", "a policy needs at least one statement")
        statements = tuple(
            self.statement(item, pointer_join("/Statement", index))
            for index, item in enumerate(raw)
        )
        return Policy(kind=self.kind, statements=statements)

    def statement(self, value: Any, pointer: str) -> Statement:
        body = self.object(value, pointer, "a statement")
        allowed = _TRUST_ELEMENTS if self.kind == "trust" else _PERMISSION_ELEMENTS
        self.known_elements(body, pointer, (*allowed, "Condition"), "statement")
        sid = self.string(body["Sid"], pointer_join(pointer, "Sid")) if "Sid" in body else None
        if "Effect" not in body:
            raise self.fail(pointer, "the element Effect is required")
        effect = self.effect(body["Effect"], pointer_join(pointer, "Effect"))
        actions, not_action = self.actions(body, pointer)
        resources: tuple[str, ...] = ()
        not_resource = False
        principals: tuple[tuple[PrincipalType, tuple[str, ...]], ...] = ()
        if self.kind == "trust":
            if "Principal" not in body:
                raise self.fail(pointer, "a trust policy statement needs a Principal")
            principals = self.principals(body["Principal"], pointer_join(pointer, "Principal"))
        else:
            resources, not_resource = self.resources(body, pointer)
        conditions: tuple[ConditionClause, ...] = ()
        if "Condition" in body:
            conditions = self.conditions(body["Condition"], pointer_join(pointer, "Condition"))
        return Statement(
            effect=effect,
            actions=actions,
            not_action=not_action,
            resources=resources,
            not_resource=not_resource,
            principals=principals,
            conditions=conditions,
            sid=sid,
        )

    def effect(self, value: Any, pointer: str) -> Effect:
        text = self.string(value, pointer)
        for effect in _EFFECTS:
            if text == effect:
                return effect
        raise self.fail(pointer, f'{quote(text)} is not an effect; use "Allow" or "Deny"')

    def actions(self, body: Mapping[str, Any], pointer: str) -> tuple[tuple[str, ...], bool]:
        name = self.exactly_one(body, pointer, "Action", "NotAction")
        at = pointer_join(pointer, name)
        values = self.strings(body[name], at)
        for index, action in enumerate(values):
            where = self.item_pointer(body[name], at, index)
            if self.kind == "trust":
                if action.lower() not in TRUST_ACTIONS:
                    raise self.fail(
                        where,
                        f"{quote(action)} is not allowed in a trust policy; use sts:AssumeRole "
                        "(or sts:AssumeRoleWithOIDC / sts:AssumeRoleWithSAML)",
                    )
            elif _ACTION.fullmatch(action) is None:
                raise self.fail(where, f'{quote(action)} is not an action ("<service>:<name>")')
        return values, name == "NotAction"

    def resources(self, body: Mapping[str, Any], pointer: str) -> tuple[tuple[str, ...], bool]:
        name = self.exactly_one(body, pointer, "Resource", "NotResource")
        at = pointer_join(pointer, name)
        values = self.strings(body[name], at)
        for index, resource in enumerate(values):
            if resource != "*" and not resource.startswith("acs:"):
                raise self.fail(
                    self.item_pointer(body[name], at, index),
                    f'{quote(resource)} is not a resource; use "*" or an ARN "acs:…"',
                )
        return values, name == "NotResource"

    def principals(
        self, value: Any, pointer: str
    ) -> tuple[tuple[PrincipalType, tuple[str, ...]], ...]:
        body = self.object(value, pointer, "a Principal object")
        if not body:
            raise self.fail(pointer, "a Principal names at least one of RAM, Service, Federated")
        out: list[tuple[PrincipalType, tuple[str, ...]]] = []
        for key, raw in body.items():
            at = pointer_join(pointer, key)
            kind = next((t for t in _PRINCIPAL_TYPES if t == key), None)
            if kind is None:
                raise self.fail(
                    at, f"{quote(key)} is not a principal type; use RAM, Service or Federated"
                )
            form, described = _PRINCIPAL_FORMS[kind]
            values = self.strings(raw, at)
            for index, principal in enumerate(values):
                if form.fullmatch(principal) is None:
                    raise self.fail(
                        self.item_pointer(raw, at, index),
                        f"{quote(principal)} is not a {kind} principal ({described})",
                    )
            out.append((kind, values))
        return tuple(out)

    def conditions(self, value: Any, pointer: str) -> tuple[ConditionClause, ...]:
        block = self.object(value, pointer, "a Condition object")
        if not block:
            raise self.fail(pointer, "a Condition must name at least one operator")
        clauses: list[ConditionClause] = []
        for name, keys in block.items():
            at = pointer_join(pointer, name)
            operator = OPERATORS.get(name)
            if operator is None:
                raise self.fail(at, f"{quote(name)} {unknown_operator_reason(name)}")
            entries = self.object(keys, at, f"an object of condition keys under {name}")
            if not entries:
                raise self.fail(at, f"{name} must name at least one condition key")
            for key, raw in entries.items():
                key_at = pointer_join(at, key)
                if _CONDITION_KEY.fullmatch(key) is None:
                    raise self.fail(key_at, f'{quote(key)} is not a condition key ("<ns>:<name>")')
                values = self.strings(raw, key_at)
                for index, literal in enumerate(values):
                    problem = operator.literal_error(literal)
                    if problem is not None:
                        raise self.fail(
                            self.item_pointer(raw, key_at, index),
                            f"{quote(literal)} {problem} ({name} takes {operator.family} values)",
                        )
                clauses.append(ConditionClause(operator=name, key=key, values=values))
        return tuple(clauses)

    # -- shapes ---------------------------------------------------------------------------------

    def object(self, value: Any, pointer: str, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(pointer, f"{quote(value)} is not {what} (a JSON object)")
        if isinstance(value, JsonObject) and value.duplicate_key is not None:
            raise self.fail(
                pointer_join(pointer, value.duplicate_key),
                f"the key {quote(value.duplicate_key)} appears more than once in one object",
            )
        return value

    def known_elements(
        self, body: Mapping[str, Any], pointer: str, allowed: tuple[str, ...], where: str
    ) -> None:
        for key in body:
            if key in allowed:
                continue
            at = pointer_join(pointer, str(key))
            for name in allowed:
                if str(key).lower() == name.lower():
                    raise self.fail(at, f"element names are case-sensitive; use {quote(name)}")
            if key == "Principal":
                raise self.fail(at, "Principal is allowed only in trust policies")
            if key in ("Resource", "NotResource") and self.kind == "trust":
                raise self.fail(at, f"{key} is not allowed in a trust policy")
            raise self.fail(at, f"{quote(key)} is not a {where} element")

    def exactly_one(self, body: Mapping[str, Any], pointer: str, first: str, second: str) -> str:
        if first in body and second in body:
            raise self.fail(pointer, f"a statement takes {first} or {second}, not both")
        if first in body:
            return first
        if second in body:
            return second
        raise self.fail(pointer, f"the element {first} (or {second}) is required")

    def string(self, value: Any, pointer: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            raise self.fail(
                pointer,
                f"{quote(value)} must be written as a quoted string, e.g. {quote(str(value))}"
                if not isinstance(value, bool)
                else f"{quote(value)} must be written as a quoted string, "
                f"e.g. {quote(str(value).lower())}",
            )
        raise self.fail(pointer, f"{quote(value)} is not a string")

    def strings(self, value: Any, pointer: str) -> tuple[str, ...]:
        if isinstance(value, list):
            if not value:
                raise self.fail(pointer, "the list must not be empty")
            return tuple(
                self.string(item, pointer_join(pointer, index)) for index, item in enumerate(value)
            )
        return (self.string(value, pointer),)

    @staticmethod
    def item_pointer(raw: Any, pointer: str, index: int) -> str:
        return pointer_join(pointer, index) if isinstance(raw, list) else pointer
