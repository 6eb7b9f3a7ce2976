"""CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed
(Ims): RAM's AccessKeys (:mod:`ramsts.ram.access_keys`), the owner named by its
UserPrincipalName, or left out for the caller's own keys (a RAM user's, or the root's).

Authorized as ``ram:<Action>`` on the owner's ARN, with the security preference's self-service
grants, and limited and refused as RAM's are. GetAccessKeyLastUsed also says which service the
key last signed a request for (``ServiceName``, the audit event's: ``Ram``, ``Sts``), as Ims
does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.caller import Caller
from ramsts.ims.principal_names import PrincipalName, principal_name, user_name_in
from ramsts.parameters import Parameters, missing_parameter
from ramsts.products import IMS
from ramsts.ram.access_keys import (
    ACCESS_KEY_ID,
    STATUSES,
    KeyOwner,
    KeyStatusChange,
    NewAccessKey,
    OwnedKey,
    create_access_key,
    delete_access_key,
    get_access_key_last_used,
    list_access_keys,
    update_access_key,
)
from ramsts.ram.rendering import Body, iso8601, wrapped
from ramsts.ram.wire.access_keys import render_access_key, render_new_access_key
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.store import AccessKey, AccessKeyStatus, LastUse, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


@dataclass(frozen=True, slots=True)
class ImsKey:
    """One key of the owner the request names (``None``: the caller), and a new status for
    UpdateAccessKey."""

    owner: PrincipalName | None
    access_key_id: str
    status: AccessKeyStatus = "Active"


def _owner_name(read: Parameters) -> PrincipalName | None:
    given = read.optional("UserPrincipalName")
    return None if given is None else principal_name("UserPrincipalName", given)


def _key(read: Parameters) -> ImsKey:
    return ImsKey(_owner_name(read), read.required("UserAccessKeyId", ACCESS_KEY_ID))


def _status_change(read: Parameters) -> ImsKey:
    key = read.required("UserAccessKeyId", ACCESS_KEY_ID)
    status: AccessKeyStatus = (
        "Active" if read.choice("Status", STATUSES) == "Active" else "Inactive"
    )
    return ImsKey(_owner_name(read), key, status)


def _key_owner(tx: Transaction, caller: Caller, name: PrincipalName | None) -> KeyOwner:
    """Without a name, the caller's own keys: a RAM user's or the root's; any other caller (a
    role session) must name the user, and is told so in Ims's parameter name."""
    if name is None:
        if caller.identity_type != "RAMUser" and not caller.is_root:
            raise missing_parameter("UserPrincipalName")
        return KeyOwner(None)
    return KeyOwner(user_name_in(tx, caller.account_id, name))


def _create(ram: RamService, caller: Caller, owner: PrincipalName | None) -> NewAccessKey:
    with ram.transaction(caller.account_id) as tx:
        return create_access_key(ram, caller, _key_owner(tx, caller, owner), within=tx)


def _update(ram: RamService, caller: Caller, key: ImsKey) -> None:
    with ram.transaction(caller.account_id) as tx:
        owned = OwnedKey(key.access_key_id, _key_owner(tx, caller, key.owner))
        update_access_key(ram, caller, KeyStatusChange(owned, key.status), within=tx)


def _delete(ram: RamService, caller: Caller, key: ImsKey) -> None:
    with ram.transaction(caller.account_id) as tx:
        owned = OwnedKey(key.access_key_id, _key_owner(tx, caller, key.owner))
        delete_access_key(ram, caller, owned, within=tx)


def _list(ram: RamService, caller: Caller, owner: PrincipalName | None) -> tuple[AccessKey, ...]:
    with ram.read() as tx:
        return list_access_keys(ram, caller, _key_owner(tx, caller, owner), within=tx)


def _last_used(ram: RamService, caller: Caller, key: ImsKey) -> LastUse | None:
    with ram.read() as tx:
        owned = OwnedKey(key.access_key_id, _key_owner(tx, caller, key.owner))
        return get_access_key_last_used(ram, caller, owned, within=tx)


def _listed(keys: tuple[AccessKey, ...]) -> Body:
    return wrapped("AccessKeys", "AccessKey", (render_access_key(key) for key in keys))


def _render_last_used(last: LastUse | None) -> Body:
    # Never used: both fields stay, empty, as RAM's LastUsedDate does.
    if last is None:
        return {"AccessKeyLastUsed": {"LastUsedDate": "", "ServiceName": ""}}
    used = {"LastUsedDate": iso8601(last.used_at), "ServiceName": last.service_name}
    return {"AccessKeyLastUsed": used}


ACTIONS = (
    RpcAction("CreateAccessKey", _owner_name, _create, render_new_access_key),
    RpcAction("UpdateAccessKey", _status_change, _update, no_body),
    RpcAction("DeleteAccessKey", _key, _delete, no_body),
    RpcAction("ListAccessKeys", _owner_name, _list, _listed),
    RpcAction("GetAccessKeyLastUsed", _key, _last_used, _render_last_used),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=IMS.version)
