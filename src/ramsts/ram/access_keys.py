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
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from ramsts.authentication import seal_access_key_secret
from ramsts.caller import Caller
from ramsts.crypto import new_access_key_id, new_access_key_secret
from ramsts.errors import EntityNotExist, LimitExceeded, MissingParameter
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.arns import root_arn
from ramsts.ram.entities import USER, USER_NAME
from ramsts.ram.rendering import Body, iso8601, optional_iso8601, wrapped
from ramsts.ram.security_preference import require_self_service
from ramsts.store import AccessKey, Transaction, User

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


@dataclass(frozen=True, slots=True)
class _Owner:
    """Whose keys an action is about, resolved: a RAM user as stored, or (``user`` ``None``)
    the account's root."""

    account_id: str
    user: User | None

    @property
    def user_id(self) -> str | None:
        return None if self.user is None else self.user.user_id

    def key(self, tx: Transaction, access_key_id: str) -> AccessKey:
        """One of the owner's keys, or ``EntityNotExist.User.AccessKey`` (404)."""
        key = tx.access_keys.get(access_key_id)
        if key is None or key.account_id != self.account_id or key.user_id != self.user_id:
            raise EntityNotExist(
                "User.AccessKey", f"The access key does not exist: {access_key_id}."
            )
        return key


def register(table: ActionTable, ram: RamService) -> None:
    self_service = partial(require_self_service, ram)

    def owner_of(tx: Transaction, principal: Caller, params: Parameters, action: str) -> _Owner:
        """The user ``UserName`` names; without it the calling RAM user itself (found by its
        UserId, whatever it is called now), or the root for the root's own keys. Authorized on
        the owner's stored ARN."""
        account_id = principal.account_id
        user_name = params.optional("UserName", USER_NAME)
        if user_name is not None:
            owner = ram.authorized(
                tx, principal, f"ram:{action}", USER, user_name, require=self_service
            )
            return _Owner(account_id, owner)
        if principal.identity_type == "RAMUser":
            user = ram.caller_user(tx, principal)
            self_service(principal, f"ram:{action}", user.arn)
            return _Owner(account_id, user)
        if not principal.is_root:
            raise MissingParameter(
                None,
                'The input parameter "UserName" that is mandatory for processing this request'
                " is not supplied.",
            )
        ram.authorizer.require(principal, f"ram:{action}", root_arn(account_id))
        return _Owner(account_id, None)

    def create_access_key(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        access_key_id, secret = new_access_key_id(), new_access_key_secret()
        sealed = seal_access_key_secret(ram.master_key, access_key_id, secret)
        limit = ram.quotas.access_keys_per_user
        with ram.transaction(principal.account_id) as tx:
            owner = owner_of(tx, principal, Parameters(params), "CreateAccessKey")
            if tx.access_keys.count_for(owner.account_id, owner.user_id) >= limit:
                raise LimitExceeded(
                    "User.AccessKey", f"An owner may have at most {limit} access keys."
                )
            key = tx.access_keys.create(
                owner.account_id,
                user_id=owner.user_id,
                access_key_id=access_key_id,
                sealed_secret=sealed,
                now=ram.now(),
            )
        # The one place the secret is ever revealed to anyone: the caller who created it.
        return {"AccessKey": {**_render_key(key), "AccessKeySecret": secret.reveal()}}

    def update_access_key(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
        status = read.choice("Status", STATUSES)
        with ram.transaction(principal.account_id) as tx:
            owner_of(tx, principal, read, "UpdateAccessKey").key(tx, access_key_id)
            tx.access_keys.set_status(access_key_id, "Active" if status == "Active" else "Inactive")
        return {}

    def delete_access_key(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
        with ram.transaction(principal.account_id) as tx:
            owner_of(tx, principal, read, "DeleteAccessKey").key(tx, access_key_id)
            tx.access_keys.delete(access_key_id)
        return {}

    def list_access_keys(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        with ram.read() as tx:
            owner = owner_of(tx, principal, Parameters(params), "ListAccessKeys")
            keys = tx.access_keys.list_for(owner.account_id, owner.user_id)
        return wrapped("AccessKeys", "AccessKey", (_render_key(key) for key in keys))

    def get_access_key_last_used(
        caller: Caller | None, params: Mapping[str, str]
    ) -> dict[str, Any]:
        principal = ram.signed_in(caller)
        read = Parameters(params)
        access_key_id = read.required("UserAccessKeyId", ACCESS_KEY_ID)
        with ram.read() as tx:
            key = owner_of(tx, principal, read, "GetAccessKeyLastUsed").key(tx, access_key_id)
        # A key never used has no date; the field stays, empty, for scripts that index into it.
        return {"AccessKeyLastUsed": {"LastUsedDate": optional_iso8601(key.last_used_at)}}

    table.add(ram.version, "CreateAccessKey", create_access_key)
    table.add(ram.version, "UpdateAccessKey", update_access_key)
    table.add(ram.version, "DeleteAccessKey", delete_access_key)
    table.add(ram.version, "ListAccessKeys", list_access_keys)
    table.add(ram.version, "GetAccessKeyLastUsed", get_access_key_last_used)
