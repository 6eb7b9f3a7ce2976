"""The RAM policy engine: document → parse/validate → compiled form → evaluate → Decision.

It knows nothing of HTTP or SQL. The rules it implements are numbered in
``docs/policy-language.md``.
"""

from ramsts.policy.compiler import PolicySet, compile_policy_set
from ramsts.policy.decision import DecidingStatement, Decision, DecisionEffect
from ramsts.policy.document import ConditionClause, Policy, Statement
from ramsts.policy.errors import PolicyError, PolicyKind
from ramsts.policy.evaluator import SESSION_POLICY_NAME, evaluate
from ramsts.policy.parser import DEFAULT_LIMITS, PolicyLimits, parse_policy
from ramsts.policy.request import Request
from ramsts.policy.trust import (
    TRUST_POLICY_NAME,
    NamedPrincipal,
    Principal,
    evaluate_trust,
    named_principals,
)

__all__ = [
    "DEFAULT_LIMITS",
    "SESSION_POLICY_NAME",
    "TRUST_POLICY_NAME",
    "ConditionClause",
    "DecidingStatement",
    "Decision",
    "DecisionEffect",
    "NamedPrincipal",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PolicyLimits",
    "PolicySet",
    "Principal",
    "Request",
    "Statement",
    "compile_policy_set",
    "evaluate",
    "evaluate_trust",
    "named_principals",
    "parse_policy",
]
