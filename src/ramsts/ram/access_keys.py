"""Long-term AccessKeys: CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys,
GetAccessKeyLastUsed (spec api.md §9.3).

Whose keys: the user named by ``UserName``; without it, the calling RAM user's own, or, for an
account's root, the root's keys. The AccessKeySecret is generated here, sealed under the master
key bound to its AccessKeyId (:func:`secret_sealing_context`), and shown once, in
CreateAccessKey's answer; no listing or error ever carries it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.crypto import new_access_key_id, new_access_key_secret
from ramsts.errors import EntityNotExist, LimitExceeded, MissingParameter
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.accounts import seal_access_key_secret
from ramsts.ram.arns import root_arn, user_arn
from ramsts.ram.rendering import Body, iso8601, optional_iso8601, wrapped
from ramsts.ram.security_preference import require_self_service
from ramsts.ram.users import USER_NAME, existing_user
from ramsts.store import AccessKey, Transaction

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

ACCESS_KEY_ID = TextRule(128, pattern=re.compile(r"[A-Za-z0-9.]+"))
STATUSES = ("Active", "Inactive")


def _render_key(key: AccessKey) -> Body:
    return {
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": iso8601(key.created_at),
    }


class _Owner:
    """Whose keys an action is about, as far as is known before reading the store."""

    __slots__ = ("account_id", "resource", "user_name")

    def __init__(self, principal: Caller, user_name: str | None) -> None:
        if user_name is None and principal.identity_type == "RAMUser":
            user_name = principal.user_name
        if user_name is None and not principal.is_root:
            raise MissingParameter(
                None,
                'The input parameter "UserName" that is mandatory for processing this request'
                " is not supplied.",
            )
        self.account_id = principal.account_id
        self.user_name = user_name
        self.resource = (
            root_arn(self.account_id) if user_name is None else user_arn(self.account_id, user_name)
        )

    def user_id(self, tx: Transaction) -> str | None:
        """The owning user's id (``None``: the root); ``EntityNotExist.User`` if it is gone."""
        if self.user_name is None:
            return None
        return existing_user(tx, self.account_id, self.user_name).user_id

    def key(self, tx: Transaction, access_key_id: str) -> AccessKey:
        """One of the owner's keys, or ``EntityNotExist.User.AccessKey`` (404)."""
        user_id = self.user_id(tx)
        key = tx.access_keys.get(access_key_id)
        if key is None or key.account_id != self.account_id or key.user_id != user_id:
            raise EntityNotExist(
                "User.AccessKey", f"The access key does not exist: {access_key_id}."
            )
        return key


def register(table: ActionTable, ram: RamService) -> None:
    def owner_of(principal: Caller, params: Parameters, action: str) -> _Owner:
        owner = _Owner(principal, params.optional("UserName", USER_NAME))
        require_self_service(ram, principal, f"ram:{action}", owner.resource)
        return owner

    def create_access_key(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        owner = owner_of(ram.signed_in(caller), Parameters(params), "CreateAccessKey")
        access_key_id, secret = new_access_key_id(), new_access_key_secret()
        sealed = seal_access_key_secret(ram.master_key, access_key_id, secret)
        limit = ram.quotas.access_keys_per_user
        with ram.transaction(owner.account_id) as tx:
            user_id = owner.user_id(tx)
            if tx.access_keys.count_for(owner.account_id, user_id) >= limit:
                raise LimitExceeded(
                    "User.AccessKey", f"An owner may have at most {limit} access keys."
                )
            key = tx.access_keys.create(
                owner.account_id,
                user_id=user_id,
                access_key_id=access_key_id,
                sealed_secret=sealed,
                now=ram.now(),
            )
        # The one place the secret is ever revealed to anyone: the caller who created it.
        return {"AccessKey": {**_render_key(key), "AccessKeySecret": secret.reveal()}}

    def update_access_key(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        read = Parameters(params)
        access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
        status = read.choice("Status", STATUSES)
        owner = owner_of(ram.signed_in(caller), read, "UpdateAccessKey")
        with ram.transaction(owner.account_id) as tx:
            owner.key(tx, access_key_id)
            tx.access_keys.set_status(access_key_id, "Active" if status == "Active" else "Inactive")
        return {}

    def delete_access_key(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        read = Parameters(params)
        access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
        owner = owner_of(ram.signed_in(caller), read, "DeleteAccessKey")
        with ram.transaction(owner.account_id) as tx:
            owner.key(tx, access_key_id)
            tx.access_keys.delete(access_key_id)
        return {}

    def list_access_keys(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        owner = owner_of(ram.signed_in(caller), Parameters(params), "ListAccessKeys")
        with ram.read() as tx:
            keys = tx.access_keys.list_for(owner.account_id, owner.user_id(tx))
        return wrapped("AccessKeys", "AccessKey", (_render_key(key) for key in keys))

    def get_access_key_last_used(
        caller: Caller | None, params: Mapping[str, str]
    ) -> dict[str, Any]:
        read = Parameters(params)
        access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
        owner = owner_of(ram.signed_in(caller), read, "GetAccessKeyLastUsed")
        with ram.read() as tx:
            key = owner.key(tx, access_key_id)
        # A key never used has no date; the field stays, empty, for scripts that index into it.
        return {"AccessKeyLastUsed": {"LastUsedDate": optional_iso8601(key.last_used_at)}}

    table.add(ram.version, "CreateAccessKey", create_access_key)
    table.add(ram.version, "UpdateAccessKey", update_access_key)
    table.add(ram.version, "DeleteAccessKey", delete_access_key)
    table.add(ram.version, "ListAccessKeys", list_access_keys)
    table.add(ram.version, "GetAccessKeyLastUsed", get_access_key_last_used)
