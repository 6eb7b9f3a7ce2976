"""The policy grammar's one error type, coded by the kind of document that failed.

The real services answer a bad stored policy (a custom policy or a role's trust policy) with
``MalformedPolicyDocument`` and a bad session policy with ``InvalidParameter.PolicyGrammar``; a
document over its size limit gets the length code of the parameter that carried it.
"""

from __future__ import annotations

import json
from typing import Literal

from ramsts.errors import RamstsError

PolicyKind = Literal["identity", "session", "trust"]
POLICY_KINDS: tuple[PolicyKind, ...] = ("identity", "session", "trust")

GRAMMAR_CODES: dict[PolicyKind, str] = {
    "identity": "MalformedPolicyDocument",
    "trust": "MalformedPolicyDocument",
    "session": "InvalidParameter.PolicyGrammar",
}
SIZE_CODES: dict[PolicyKind, str] = {
    "identity": "InvalidParameter.PolicyDocument.Length",
    "trust": "InvalidParameter.AssumeRolePolicyDocument.Length",
    "session": "InvalidParameter.PolicySize",
}

_QUOTE_LIMIT = 80


class PolicyError(RamstsError):
    """A policy document broke a rule of the grammar; ``pointer`` is a JSON pointer to the place."""

    family = "MalformedPolicyDocument"
    http_status = 400

    def __init__(self, code: str, message: str, pointer: str) -> None:
        super().__init__(None, message, detail={"pointer": pointer})
        self.code = code
        self.pointer = pointer


def pointer_join(pointer: str, token: str | int) -> str:
    """Append one reference token to a JSON pointer (RFC 6901 escaping of ``~`` and ``/``)."""
    text = str(token).replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{text}"


def quote(value: object) -> str:
    """The user's input as JSON, shortened so a message stays readable."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1] + "…"
    return text
