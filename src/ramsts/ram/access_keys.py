"""Long-term AccessKeys: create, change the status of, delete and list them, and when each was
last used, from the audit trail (spec api.md §9.3).

Whose keys: the user named (``user_name``); without one, the calling RAM user's own, or, for an
account's root, the root's keys. The AccessKeySecret is generated here, sealed under the master
key bound to its AccessKeyId (:func:`ramsts.authentication.seal_access_key_secret`), and given
once, to the caller of :func:`create_access_key`; no listing or error ever carries it.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action (with what the security preference grants a user on its own keys), in the
transaction given or their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ramsts.authentication import seal_access_key_secret
from ramsts.caller import Caller
from ramsts.crypto import new_access_key_id, new_access_key_secret
from ramsts.errors import EntityNotExist, LimitExceeded
from ramsts.parameters import (
    TextRule,
    checked_choice,
    missing_parameter,
    optional_text,
    required_text,
)
from ramsts.ram.arns import root_arn
from ramsts.ram.entities import USER, USER_NAME
from ramsts.ram.security_preference import require_self_service
from ramsts.store import AccessKey, AccessKeyStatus, LastUse, Transaction, User
from ramsts.types import Secret

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

ACCESS_KEY_ID = TextRule(128, pattern=re.compile(r"[A-Za-z0-9.]+"))
STATUSES: tuple[AccessKeyStatus, ...] = ("Active", "Inactive")


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Whose keys: ``user_name``, or ``None`` for the caller's own."""

    user_name: str | None = None

    def __post_init__(self) -> None:
        optional_text("UserName", self.user_name, USER_NAME)


@dataclass(frozen=True, slots=True)
class OwnedKey:
    """One AccessKey of ``owner``."""

    access_key_id: str
    owner: KeyOwner = KeyOwner()

    def __post_init__(self) -> None:
        required_text("UserAccessKeyId", self.access_key_id, ACCESS_KEY_ID)


@dataclass(frozen=True, slots=True)
class KeyStatusChange:
    key: OwnedKey
    status: AccessKeyStatus

    def __post_init__(self) -> None:
        checked_choice("Status", self.status, STATUSES)


@dataclass(frozen=True, slots=True)
class NewAccessKey:
    """A key just created, with its secret: the one time anyone is given it."""

    key: AccessKey
    secret: Secret


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


def _owner(
    ram: RamService, tx: Transaction, caller: Caller, owner: KeyOwner, action: str
) -> _Owner:
    """The user ``owner`` names; without one the calling RAM user itself (found by its UserId,
    whatever it is called now), or the root for the root's own keys. Authorized on the owner's
    stored ARN."""
    account_id = caller.account_id

    def self_service(principal: Caller, action: str, resource: str) -> None:
        require_self_service(ram, principal, action, resource)

    if owner.user_name is not None:
        user = ram.authorized(
            tx, caller, f"ram:{action}", USER, owner.user_name, require=self_service
        )
        return _Owner(account_id, user)
    if caller.identity_type == "RAMUser":
        user = ram.caller_user(tx, caller)
        self_service(caller, f"ram:{action}", user.arn)
        return _Owner(account_id, user)
    if not caller.is_root:
        raise missing_parameter("UserName")
    ram.authorizer.require(caller, f"ram:{action}", root_arn(account_id))
    return _Owner(account_id, None)


def create_access_key(
    ram: RamService, caller: Caller, owner: KeyOwner, within: Transaction | None = None
) -> NewAccessKey:
    access_key_id, secret = new_access_key_id(), new_access_key_secret()
    sealed = seal_access_key_secret(ram.master_key, access_key_id, secret)
    limit = ram.quotas.access_keys_per_user
    with ram.transaction(caller.account_id, within=within) as tx:
        resolved = _owner(ram, tx, caller, owner, "CreateAccessKey")
        if tx.access_keys.count_for(resolved.account_id, resolved.user_id) >= limit:
            raise LimitExceeded("User.AccessKey", f"An owner may have at most {limit} access keys.")
        key = tx.access_keys.create(
            resolved.account_id,
            user_id=resolved.user_id,
            access_key_id=access_key_id,
            sealed_secret=sealed,
            now=ram.now(),
        )
    return NewAccessKey(key, secret)


def update_access_key(
    ram: RamService, caller: Caller, change: KeyStatusChange, within: Transaction | None = None
) -> None:
    access_key_id = change.key.access_key_id
    with ram.transaction(caller.account_id, within=within) as tx:
        _owner(ram, tx, caller, change.key.owner, "UpdateAccessKey").key(tx, access_key_id)
        tx.access_keys.set_status(access_key_id, change.status)


def delete_access_key(
    ram: RamService, caller: Caller, owned: OwnedKey, within: Transaction | None = None
) -> None:
    with ram.transaction(caller.account_id, within=within) as tx:
        _owner(ram, tx, caller, owned.owner, "DeleteAccessKey").key(tx, owned.access_key_id)
        tx.access_keys.delete(owned.access_key_id)


def list_access_keys(
    ram: RamService, caller: Caller, owner: KeyOwner, within: Transaction | None = None
) -> tuple[AccessKey, ...]:
    with ram.read(within=within) as tx:
        resolved = _owner(ram, tx, caller, owner, "ListAccessKeys")
        return tuple(tx.access_keys.list_for(resolved.account_id, resolved.user_id))


def get_access_key_last_used(
    ram: RamService, caller: Caller, owned: OwnedKey, within: Transaction | None = None
) -> LastUse | None:
    """When (and for which service) the key last signed a request, as the audit trail last
    recorded it; ``None`` if the trail holds no use of it."""
    with ram.read(within=within) as tx:
        owner = _owner(ram, tx, caller, owned.owner, "GetAccessKeyLastUsed")
        return tx.audit_events.access_key_last_used(owner.key(tx, owned.access_key_id))
