"""Revoking a role's sessions: every SecurityToken of the role issued until now stops working.

Tokens are stateless, so there is no list of sessions to delete. Instead the role carries
``sessions_not_before``: authentication refuses any session of the role issued before it, with
``InvalidSecurityToken.Expired`` (the token is as good as expired; the client's remedy is the
same, to assume the role again). Tokens carry their issue time in whole seconds, so the instant is
rounded up to the next whole second: every session issued in the current second or earlier is
refused, and AssumeRole dates sessions it begins afterwards no earlier than that instant.

Two ways in: the ``RevokeRoleSessions`` action, a ramsts extension served on the RAM version
(:data:`ramsts.products.RAM`, parameter ``RoleName``, authorized as ``ram:RevokeRoleSessions``
on the role's ARN), and ``ramsts role revoke-sessions``, which calls
:func:`revoke_role_sessions` directly. Deleting the role has the same effect on its sessions
(authentication finds no role).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ramsts.caller import Caller
from ramsts.errors import NOT_AUTHORIZED, EntityNotExist, NoPermission
from ramsts.parameters import Parameters
from ramsts.ram.arns import role_arn
from ramsts.ram.authorization import Authorizer
from ramsts.ram.entities import ROLE, ROLE_REFERENCE
from ramsts.store import Role, Store
from ramsts.types import Clock, system_clock

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


class RevokeRoleSessions:
    """The ``RevokeRoleSessions`` action (RAM version, a ramsts extension)."""

    def __init__(
        self,
        store: Store,
        authorizer: Authorizer,
        *,
        clock: Clock = system_clock,
        on_revoked: Callable[[str, str], None] | None = None,
    ) -> None:
        self._store = store
        self._authorizer = authorizer
        self._clock = clock
        self._on_revoked = on_revoked

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        if caller is None:
            raise NoPermission(None, NOT_AUTHORIZED)
        role_name = Parameters(params).required("RoleName", ROLE_REFERENCE)
        account_id = caller.account_id
        role = revoke_role_sessions(
            self._store,
            account_id,
            role_name,
            now=self._clock(),
            authorize=lambda resource: self._authorizer.require(caller, ACTION, resource),
        )
        self._authorizer.invalidate(account_id)  # this process's caches, the role's among them
        if self._on_revoked is not None:
            self._on_revoked(account_id, role.role_name)
        return render_revocation(role)
