"""GetCallerIdentity on the wire (api.md §8.4): no parameters; the caller's identity, in the
shape of its kind of principal (see :mod:`ramsts.sts.caller_identity`)."""

from __future__ import annotations

from ramsts.caller import Caller
from ramsts.parameters import Parameters
from ramsts.ram.rendering import Body
from ramsts.sts.caller_identity import get_caller_identity
from ramsts.sts.wire.declaration import SignedAction


def no_parameters(_: Parameters) -> None:
    return None


def render_caller_identity(caller: Caller) -> Body:
    body: Body = {
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


GET_CALLER_IDENTITY: SignedAction[None, Caller] = SignedAction(
    "GetCallerIdentity", no_parameters, get_caller_identity, render_caller_identity, cached=True
)
