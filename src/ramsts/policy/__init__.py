"""The RAM policy engine: document → parse/validate → compiled form → evaluate → Decision.

It knows nothing of HTTP or SQL. The rules it implements are numbered in
``docs/policy-language.md``.
"""

from ramsts.policy.document import ConditionClause, Policy, Statement
from ramsts.policy.errors import PolicyError, PolicyKind
from ramsts.policy.parser import DEFAULT_LIMITS, PolicyLimits, parse_policy

__all__ = [
    "DEFAULT_LIMITS",
    "ConditionClause",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PolicyLimits",
    "Statement",
    "parse_policy",
]
