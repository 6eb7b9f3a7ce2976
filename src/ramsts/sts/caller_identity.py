"""GetCallerIdentity (api.md §8.4): who the credentials of this request belong to.

Any authenticated caller may ask; no policy is consulted, as in the real service. The response
shape depends on the kind of principal:

=================  ==================================================  ====================
IdentityType       Arn                                                  PrincipalId, extra
=================  ==================================================  ====================
Account            ``acs:ram::<uid>:root``                              account id
RAMUser            ``acs:ram::<uid>:user/<userName>``                   UserId, ``UserId``
AssumedRoleUser    ``acs:ram::<uid>:assumed-role/<role>/<session>``     ``<RoleId>:<session>``,
                                                                        ``RoleId``
=================  ==================================================  ====================

A role session that carries a ``SourceIdentity`` (set at the start of its role chain, see
:mod:`ramsts.sts.assume_role`) answers it too, as ``SourceIdentity``: a ramsts addition, which
the SDKs' response models ignore, so that who started a chain can be read from any session in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import NOT_AUTHORIZED, NoPermission
from ramsts.products import STS

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


def get_caller_identity(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
    if caller is None:
        # Registered as a signed action, so authentication never lets this happen; refuse
        # rather than answer for nobody.
        raise NoPermission(None, NOT_AUTHORIZED)
    body: dict[str, Any] = {
        "AccountId": caller.account_id,
        "Arn": caller.arn,
        "IdentityType": caller.identity_type,
        "PrincipalId": caller.principal_id,
    }
    if caller.identity_type == "RAMUser" and caller.user_id:
        body["UserId"] = caller.user_id
    if caller.identity_type == "AssumedRoleUser" and caller.role_id:
        body["RoleId"] = caller.role_id
    if caller.identity_type == "AssumedRoleUser" and caller.source_identity is not None:
        body["SourceIdentity"] = caller.source_identity
    return body


def register(table: ActionTable, services: object) -> None:
    """Plug GetCallerIdentity into the action table (it needs nothing from ``services``)."""
    table.add_product(STS)
    table.add(STS.version, "GetCallerIdentity", get_caller_identity)
