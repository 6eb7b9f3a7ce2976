"""The evaluator: one request against the identity policies and, for a role session with a
``Policy``, the session policy (R25–R27, decision 12).

* any applicable Deny, in any set → ExplicitDeny;
* otherwise Allow only if every set that applies (identity; session when there is one) has an
  applicable Allow — a session policy narrows a role's permissions, it never adds to them;
* otherwise ImplicitDeny.
"""

from __future__ import annotations

from collections.abc import Sequence

from ramsts.policy.compiler import PolicySet, compile_policy_set
from ramsts.policy.decision import Decision
from ramsts.policy.document import Policy
from ramsts.policy.request import Request

PolicySource = PolicySet | Policy | Sequence[Policy | tuple[str, Policy]]

SESSION_POLICY_NAME = "SessionPolicy"

_NO_IDENTITY_ALLOW = Decision("ImplicitDeny", (), ("identity",))
_NO_SESSION_ALLOW = Decision("ImplicitDeny", (), ("session",))
_NO_ALLOW_AT_ALL = Decision("ImplicitDeny", (), ("identity", "session"))


def _policy_set(source: PolicySource, lone_policy_name: str | int) -> PolicySet:
    if isinstance(source, PolicySet):
        return source
    if isinstance(source, Policy):
        return PolicySet([(lone_policy_name, source)])
    return compile_policy_set(source)


def evaluate(
    request: Request,
    identity: PolicySource,
    session: PolicySource | None = None,
) -> Decision:
    """Decide ``request``. Pass compiled sets (:func:`compile_policy_set`) on hot paths; lists of
    policies are compiled on each call."""
    identity_set = _policy_set(identity, 0)
    action = request.action.lower()
    denies, allows = identity_set.scan(action, request)
    if session is None:
        if denies:
            return Decision("ExplicitDeny", denies)
        if allows:
            return Decision("Allow", allows)
        return _NO_IDENTITY_ALLOW
    session_denies, session_allows = _policy_set(session, SESSION_POLICY_NAME).scan(action, request)
    if denies or session_denies:
        return Decision("ExplicitDeny", denies + session_denies)
    if allows and session_allows:
        return Decision("Allow", allows + session_allows)
    if allows:
        return _NO_SESSION_ALLOW
    return _NO_IDENTITY_ALLOW if session_allows else _NO_ALLOW_AT_ALL
