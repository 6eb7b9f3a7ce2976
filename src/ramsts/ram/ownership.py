"""Which account a resource belongs to, and what an identity policy may grant on it.

An identity policy (of a RAM user, its groups, or a role) grants access to the resources of its
own account only: "cross-account" access is by assuming a role of the other account, whose
trust policy is that account's consent. So a decision on a resource whose ARN names another
account is an ImplicitDeny whatever the identity policies say, reported as the resource's own
policy (``RESOURCE_POLICY_SET``) missing. A resource of no account is judged by the policies
alone: ``*``, anything that is not an ``acs:`` ARN, and ARNs whose account segment is empty or
``*`` (products whose resources are named without an owner, such as OSS's ``acs:oss:*:*:bucket``)
or ``system`` (RAM's system policies, ``acs:ram::system:policy/<name>``).
"""

from __future__ import annotations

from ramsts.policy import Decision
from ramsts.ram.arns import SYSTEM_ACCOUNT

RESOURCE_POLICY_SET = "resource"
"""In a decision's ``missing``: the resource's own policy (its account's consent) gave no Allow."""

_NO_ACCOUNT = frozenset({"", "*", SYSTEM_ACCOUNT})


def resource_account(resource: str) -> str | None:
    """The account a resource belongs to: the fourth segment of an ``acs:`` ARN
    (``acs:<service>:<region>:<account>:<relative id>``); ``None`` for a resource of no account
    (``*``, anything that is not an ARN, an empty or ``*`` account, ``system``).

    An ARN that merely looks unusual must not pass as one of no account, since ``Resource: "*"``
    matches anything: the ``acs`` prefix is read in any letter case and around blanks, and an
    ARN cut short after its account segment still names that account."""
    parts = resource.split(":", 4)
    if len(parts) < 4 or parts[0].strip().lower() != "acs" or parts[3] in _NO_ACCOUNT:
        return None
    return parts[3]


def is_foreign(resource: str, account_id: str) -> bool:
    """Whether ``resource`` names an account other than ``account_id``."""
    if resource == "*":  # the common case, answered without splitting
        return False
    owner = resource_account(resource)
    return owner is not None and owner != account_id


def foreign_refused(decision: Decision) -> Decision:
    """What a decision on another account's resource becomes: an explicit Deny stays (deny
    wins, and it names its statement); anything else is an ImplicitDeny, the resource's own
    policy missing (next to the identity or session policies when they did not allow either)."""
    if decision.effect == "ExplicitDeny":
        return decision
    missing = decision.missing if decision.effect == "ImplicitDeny" else ()
    return Decision("ImplicitDeny", (), (*missing, RESOURCE_POLICY_SET))
