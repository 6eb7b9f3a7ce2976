"""The EncodedDiagnosticMessage of a denial, and DecodeDiagnosticMessage, which opens it.

A denial's ``AccessDeniedDetail`` carries the whole decision (action, resource, principal, effect
and the deciding policies and statements) sealed with the master key and bound to the denied
principal's account, then base64-encoded. Only a caller of that same account who is allowed
``ram:DecodeDiagnosticMessage`` can read it back; to anyone else it is noise, and they get
``InvalidParameter.EncodedDiagnosticMessage``, exactly as for a forged message.

The decoded message has the shape of the Tea SDK's ``DecodedDiagnosticMessage`` model (spec api.md
§14), plus ``Effect`` and ``Explanation`` and, per matched policy, the deciding statement.
:func:`decode_diagnostic_message` is the use case (the console's error pages run it as the
denied principal); :mod:`ramsts.ram.wire.diagnostics` serves it as RAM's action.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.crypto import MasterKey, UnsealError
from ramsts.errors import InvalidParameter
from ramsts.parameters import required_text
from ramsts.policy import SESSION_POLICY_NAME, Decision
from ramsts.policy.request import ContextValue
from ramsts.ram.arns import account_resource
from ramsts.ram.ownership import RESOURCE_POLICY_SET, resource_account
from ramsts.store import PolicyType, PrincipalType, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

IDENTITY_POLICY_TYPE = "AccountLevelIdentityBasedPolicy"
SESSION_POLICY_TYPE = "SessionPolicy"
RESOURCE_POLICY_TYPE = "ResourceBasedPolicy"
_PRINCIPAL_TYPES = {
    "RAMUser": "SubUser",
    "AssumedRoleUser": "AssumedRoleUser",
    "Account": "Account",
}
_UNREADABLE = "The EncodedDiagnosticMessage is not a message this account can decode."


@dataclass(frozen=True, slots=True)
class PolicySource:
    """Where a policy in force comes from: its type, version and attachment."""

    policy_type: PolicyType
    version_id: str
    attached_to: PrincipalType
    group_name: str | None = None


@dataclass(frozen=True, slots=True)
class Denial:
    """A request the authorizer refused, with everything needed to explain why."""

    caller: Caller
    action: str
    resource: str
    decision: Decision
    sources: Mapping[str, PolicySource]
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    @property
    def principal_type(self) -> str:
        return _PRINCIPAL_TYPES[self.caller.identity_type]

    @property
    def policy_type(self) -> str:
        """Which kind of policy refused: the session policy, or the account's identity ones."""
        if self.decision.effect == "ExplicitDeny":
            by_session = any(s.policy == SESSION_POLICY_NAME for s in self.decision.statements)
            return SESSION_POLICY_TYPE if by_session else IDENTITY_POLICY_TYPE
        if RESOURCE_POLICY_SET in self.decision.missing:
            # Another account's resource: no identity policy can grant it, whatever it says.
            return RESOURCE_POLICY_TYPE
        return (
            SESSION_POLICY_TYPE if self.decision.missing == ("session",) else IDENTITY_POLICY_TYPE
        )

    def explanation(self) -> str:
        """Why, in words: the deciding statements, or what no policy allowed."""
        owner = resource_account(self.resource)
        if RESOURCE_POLICY_SET not in self.decision.missing or owner is None:
            return self.decision.explain()
        return (
            f"ImplicitDeny: the resource belongs to account {owner}, and the policies of"
            f" account {self.caller.account_id} grant access to its own resources only; to act"
            f" on account {owner}'s resources, assume a role of that account that trusts you"
        )

    def detail(self, encoded: str) -> dict[str, str]:
        """The ``AccessDeniedDetail`` of the NoPermission error."""
        return {
            "AuthAction": self.action,
            "AuthPrincipalType": self.principal_type,
            "AuthPrincipalDisplayName": self.caller.display_name,
            "AuthPrincipalOwnerId": self.caller.account_id,
            "NoPermissionType": self.decision.effect,
            "PolicyType": self.policy_type,
            "EncodedDiagnosticMessage": encoded,
        }

    def decoded(self) -> dict[str, Any]:
        """What DecodeDiagnosticMessage answers with."""
        return {
            "AuthAction": self.action,
            "AuthResource": self.resource,
            "AuthPrincipal": {
                "AuthPrincipalType": self.principal_type,
                "AuthPrincipalDisplayName": self.caller.display_name,
                "AuthPrincipalOwnerId": self.caller.account_id,
            },
            "AuthConditions": [
                {
                    "ConditionKey": key,
                    "ConditionValues": value if isinstance(value, str) else ",".join(value),
                }
                for key, value in sorted(self.context.items())
            ],
            "Effect": self.decision.effect,
            "ExplicitDeny": self.decision.effect == "ExplicitDeny",
            "NoPermissionPolicyType": self.policy_type,
            "MatchedPolicies": [
                self._matched(s.policy, s.statement, s.effect, s.sid)
                for s in self.decision.statements
            ],
            "Explanation": self.explanation(),
        }

    def _matched(
        self, policy: str | int, statement: int, effect: str, sid: str | None
    ) -> dict[str, Any]:
        name = str(policy)
        source = self.sources.get(name)
        matched: dict[str, Any] = {
            "PolicyIdentifier": name,
            "Effect": effect,
            "StatementIndex": statement,
        }
        if sid is not None:
            matched["Sid"] = sid
        if name == SESSION_POLICY_NAME and source is None:
            matched |= {"PolicyType": SESSION_POLICY_TYPE, "AttachedEntityType": "Session"}
        elif source is not None:
            matched |= {
                "PolicyType": source.policy_type,
                "PolicyVersion": source.version_id,
                "AttachedEntityType": source.attached_to,
                "AttachedScope": "Account",
            }
            if source.group_name is not None:
                matched["AttachedEntityName"] = source.group_name
        return matched


def _sealing_context(account_id: str) -> str:
    return f"diagnostic:{account_id}"


def seal_denial(master_key: MasterKey, denial: Denial) -> str:
    """The EncodedDiagnosticMessage: the decoded message, sealed for the caller's account."""
    text = json.dumps(denial.decoded(), separators=(",", ":"), ensure_ascii=False)
    sealed = master_key.seal(text, _sealing_context(denial.caller.account_id))
    return base64.b64encode(sealed.encode("ascii")).decode("ascii")


def open_diagnostic(master_key: MasterKey, account_id: str, encoded: str) -> dict[str, Any]:
    """The decoded message, if it was sealed for ``account_id``; ``InvalidParameter`` otherwise."""
    try:
        sealed = base64.b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
        decoded = json.loads(master_key.unseal(sealed, _sealing_context(account_id)))
    except (UnicodeError, binascii.Error, ValueError, UnsealError):
        raise InvalidParameter("EncodedDiagnosticMessage", _UNREADABLE) from None
    if not isinstance(decoded, dict):
        raise InvalidParameter("EncodedDiagnosticMessage", _UNREADABLE)
    return decoded


def decode_diagnostic_message(
    ram: RamService, caller: Caller, encoded: str, within: Transaction | None = None
) -> dict[str, Any]:
    """What a denial of the caller's account was, and why (see :meth:`Denial.decoded`); reads
    nothing stored."""
    required_text("EncodedDiagnosticMessage", encoded)
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:DecodeDiagnosticMessage", account_resource(account_id))
    return open_diagnostic(ram.master_key, account_id, encoded)
