"""CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed on
the wire (spec api.md §9.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
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
from ramsts.ram.entities import USER_NAME
from ramsts.ram.rendering import Body, iso8601, optional_iso8601, wrapped
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.store import AccessKey, AccessKeyStatus, LastUse

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def render_access_key(key: AccessKey) -> Body:
    return {
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": iso8601(key.created_at),
    }


def _owner(read: Parameters) -> KeyOwner:
    return KeyOwner(read.optional("UserName", USER_NAME))


def _owned_key(read: Parameters) -> OwnedKey:
    access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
    return OwnedKey(access_key_id, _owner(read))


def _status_change(read: Parameters) -> KeyStatusChange:
    access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
    status: AccessKeyStatus = (
        "Active" if read.choice("Status", STATUSES) == "Active" else "Inactive"
    )
    return KeyStatusChange(OwnedKey(access_key_id, _owner(read)), status)


def render_new_access_key(new: NewAccessKey) -> Body:
    # The one place the secret is ever revealed to anyone: the caller who created it.
    return {"AccessKey": {**render_access_key(new.key), "AccessKeySecret": new.secret.reveal()}}


def _listed(keys: tuple[AccessKey, ...]) -> Body:
    return wrapped("AccessKeys", "AccessKey", (render_access_key(key) for key in keys))


def _last_used(last: LastUse | None) -> Body:
    # A key never used has no date; the field stays, empty, for scripts that index into it.
    used_at = None if last is None else last.used_at
    return {"AccessKeyLastUsed": {"LastUsedDate": optional_iso8601(used_at)}}


ACTIONS = (
    RpcAction("CreateAccessKey", _owner, create_access_key, render_new_access_key),
    RpcAction("UpdateAccessKey", _status_change, update_access_key, no_body),
    RpcAction("DeleteAccessKey", _owned_key, delete_access_key, no_body),
    RpcAction("ListAccessKeys", _owner, list_access_keys, _listed),
    RpcAction("GetAccessKeyLastUsed", _owned_key, get_access_key_last_used, _last_used),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
