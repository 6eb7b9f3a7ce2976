"""Revoking a role's sessions: every SecurityToken of the role issued until now stops working.

Tokens are stateless, so there is no list of sessions to delete. Instead the role carries
``sessions_not_before``: authentication refuses any session of the role issued before it, with
``InvalidSecurityToken.Expired`` (the token is as good as expired; the client's remedy is the
same, to assume the role again). Tokens carry their issue time in whole seconds, so the instant is
rounded up to the next whole second: every session issued in the current second or earlier is
refused, and AssumeRole dates sessions it begins afterwards no earlier than that instant.

Two ways in: the ``RevokeRoleSessions`` action, a ramsts extension served on the RAM version
(:data:`ramsts.products.RAM`, parameter ``RoleName``, authorized as ``ram:RevokeRoleSessions``
on the role's ARN: the use case :class:`RoleSessionsRevocation`, declared in
:mod:`ramsts.sts.wire.revocation`), and ``ramsts role revoke-sessions``, the operator's, which
calls :func:`revoke_role_sessions` directly. Deleting the role has the same effect on its sessions
(authentication finds no role).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ramsts.caller import Caller
from ramsts.errors import EntityNotExist
from ramsts.ram.arns import role_arn
from ramsts.ram.entities import ROLE
from ramsts.ram.service import RamService
from ramsts.store import Role, Store

ACTION = "ram:RevokeRoleSessions"


def sessions_cutoff(now: datetime) -> datetime:
    """The ``sessions_not_before`` a revocation at ``now`` sets: the next whole second."""
    whole = now.astimezone(UTC).replace(microsecond=0)
    return whole + timedelta(seconds=1)


def revoke_role_sessions(
    store: Store,
    account_id: str,
    role_name: str,
    *,
    now: datetime,
    authorize: Callable[[str], None] | None = None,
) -> Role:
    """Refuse every session of the role issued up to ``now``; ``EntityNotExist.Role`` if there
    is no such role. Returns the role as it now is.

    ``authorize`` is given the ARN to authorize on, in the same transaction: the stored role's,
    or the requested name's when there is none (see :mod:`ramsts.ram.entities`)."""
    with store.transaction() as tx:
        role = ROLE.find(tx, account_id, role_name)
        if authorize is not None:
            authorize(role_arn(account_id, role_name) if role is None else role.arn)
        if role is None:
            raise ROLE.missing(role_name)
        cutoff = sessions_cutoff(now)
        if not tx.roles.revoke_sessions(role.role_id, not_before=cutoff):
            raise EntityNotExist("Role", f"The role does not exist: {role_name}.")
        tx.announce_change(account_id)
    return replace(role, sessions_not_before=cutoff)


def render_revocation(role: Role) -> dict[str, Any]:
    not_before = role.sessions_not_before
    return {
        "Role": {
            "RoleId": role.role_id,
            "RoleName": role.role_name,
            "Arn": role.arn,
            "SessionsNotBefore": "" if not_before is None else f"{not_before:%Y-%m-%dT%H:%M:%SZ}",
        }
    }


@dataclass(frozen=True, slots=True)
class RoleSessionsRevocation:
    """The use case of ``RevokeRoleSessions``: a caller allowed ``ram:RevokeRoleSessions`` on
    the role revokes its sessions, and this process at once forgets what it cached about the
    role (the authorizer's entries of the account, and AssumeRole's copy of the role through
    ``forget_role``), so the very next request meets the revocation."""

    forget_role: Callable[[str, str], None] | None = None
    """Called with the role's account and name once the revocation is committed."""

    def __call__(self, ram: RamService, caller: Caller, role_name: str) -> Role:
        account_id = caller.account_id
        role = revoke_role_sessions(
            ram.store,
            account_id,
            role_name,
            now=ram.now(),
            authorize=lambda resource: ram.authorizer.require(caller, ACTION, resource),
        )
        ram.authorizer.invalidate(account_id)
        if self.forget_role is not None:
            self.forget_role(account_id, role.role_name)
        return role
