"""RevokeRoleSessions on the wire: a ramsts extension on RAM's version, so declared as RAM
declares its actions (:class:`~ramsts.ram.wire.declaration.RpcAction`: RAM's parameter errors,
``RoleName`` read as GetRole reads it)."""

from __future__ import annotations

from collections.abc import Callable

from ramsts.ram.wire.declaration import RpcAction
from ramsts.ram.wire.roles import role_name
from ramsts.store import Role
from ramsts.sts.revocation import RoleSessionsRevocation, render_revocation


def revoke_role_sessions_action(
    forget_role: Callable[[str, str], None] | None = None,
) -> RpcAction[str, Role]:
    return RpcAction(
        "RevokeRoleSessions", role_name, RoleSessionsRevocation(forget_role), render_revocation
    )
