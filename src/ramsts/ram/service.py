"""What every RAM use case receives: :class:`RamService`.

It holds the store, the master key (secrets at rest, diagnostic messages), the authorizer, the
clock and the quotas, and opens the transaction of each use case — or lends the one a caller
composing several opened (``within``, see :meth:`RamService.transaction`)::

    def get_user(
        ram: RamService, caller: Caller, user_name: str, within: Transaction | None = None
    ) -> User:
        with ram.read(within=within) as tx:
            return ram.authorized(tx, caller, "ram:GetUser", USER, user_name)

The API reaches the use cases through their wire declarations (:mod:`ramsts.ram.wire`, listed
in :mod:`ramsts.ram.product`).

A use case on a named entity resolves it first and authorizes on the stored entity's ARN
(:meth:`RamService.authorized`, :mod:`ramsts.ram.entities`), in the transaction that then reads
or changes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.errors import (
    NOT_AUTHORIZED,
    EntityAlreadyExists,
    EntityNotExist,
    InvalidParameter,
    NoPermission,
)
from ramsts.products import RAM
from ramsts.ram.authorization import Authorizer
from ramsts.ram.entities import USER, EntityKind
from ramsts.ram.quotas import DEFAULT_QUOTAS, Quotas
from ramsts.store import Conflict, InvalidMarker, ReferenceMissing, Store, Transaction, User
from ramsts.types import Clock, system_clock

E = TypeVar("E")

Out = TypeVar("Out")

Requirement = Callable[[Caller, str, str], None]
"""``(caller, action, resource)``: return if allowed, raise ``NoPermission`` otherwise."""


def without_input(
    use_case: Callable[[RamService, Caller], Out],
) -> Callable[[RamService, Caller, None], Out]:
    """``use_case``, which takes no input (``get_account_alias(ram, caller)``), in the shape of
    those that take one, ``(ram, caller, None)``: how the wire's declarations and the console's
    ``Visit.act`` run every use case."""

    def run(ram: RamService, caller: Caller, _: None) -> Out:
        return use_case(ram, caller)

    return run


@dataclass(frozen=True, slots=True)
class RamService:
    store: Store
    master_key: MasterKey
    authorizer: Authorizer
    clock: Clock = system_clock
    quotas: Quotas = field(default=DEFAULT_QUOTAS)
    version: str = RAM.version

    def signed_in(self, caller: Caller | None) -> Caller:
        """The caller of a signed request. RAM registers no anonymous action, so ``None`` here
        means a request that was never authenticated: it is refused, not served."""
        if caller is None:
            raise NoPermission(None, NOT_AUTHORIZED)
        return caller

    def now(self) -> datetime:
        return self.clock()

    def authorized_name(
        self,
        tx: Transaction,
        caller: Caller,
        action: str,
        kind: EntityKind[E],
        name: str,
        *,
        require: Requirement | None = None,
    ) -> E | None:
        """The entity ``name`` names in the caller's account (``None``: there is none), once
        the caller may do ``action`` on it: on the stored entity's ARN, or on the requested
        name's when there is none. Raises ``NoPermission`` (403) otherwise.

        Call it inside the transaction that then reads or changes the entity, so that what was
        authorized is what is changed (:mod:`ramsts.ram.entities`). ``require`` replaces
        ``authorizer.require`` where more than the policies may allow (the security
        preference's self-service grants).
        """
        account_id = caller.account_id
        found = kind.find(tx, account_id, name)
        resource = kind.arn(account_id, name if found is None else kind.stored_name(found))
        (require or self.authorizer.require)(caller, action, resource)
        return found

    def authorized(
        self,
        tx: Transaction,
        caller: Caller,
        action: str,
        kind: EntityKind[E],
        name: str,
        *,
        require: Requirement | None = None,
    ) -> E:
        """:meth:`authorized_name` for an entity that must exist: ``EntityNotExist.<kind>``
        (404) when there is none, answered only to a caller allowed to ask."""
        found = self.authorized_name(tx, caller, action, kind, name, require=require)
        if found is None:
            raise kind.missing(name)
        return found

    def caller_user(self, tx: Transaction, caller: Caller) -> User:
        """The calling RAM user as stored: found by its UserId, whatever it is called now (its
        own keys and password are about it, not about whoever has its name);
        ``EntityNotExist.User`` if it is gone."""
        user = None if caller.user_id is None else tx.users.get_by_id(caller.user_id)
        if user is None:
            raise USER.missing(caller.user_name or caller.principal_id)
        return user

    def renamed(
        self, caller: Caller, action: str, kind: EntityKind[E], entity: E, new_name: str | None
    ) -> str:
        """The name ``entity`` (authorized with :meth:`authorized`) is to carry: ``new_name``
        once the caller may also do ``action`` on the new name's ARN, or its stored name when
        the request renames nothing. Both ends of a rename are authorized: taking a name takes
        what policies and trust policies grant that name."""
        stored = kind.stored_name(entity)
        if new_name is None or new_name == stored:
            return stored
        self.authorizer.require(caller, action, kind.arn(caller.account_id, new_name))
        return new_name

    @contextmanager
    def transaction(
        self, account_id: str, *, within: Transaction | None = None
    ) -> Iterator[Transaction]:
        """The one read-write transaction of an action on ``account_id``'s entities.

        The store's own errors become the real service's codes (``Conflict`` →
        ``EntityAlreadyExists.<entity>``, a row gone meanwhile → ``EntityNotExist.<entity>``,
        a foreign marker → ``InvalidParameter.Marker``); if anything raises, nothing is written.
        After the commit this process's caches forget the account's entries, so a change to
        who may do what is in force for the very next request; the transaction announced the
        change to the other processes (:meth:`~ramsts.store.Transaction.announce_change`).

        ``within``: a transaction the caller opened with this method to compose several use
        cases (a console form); it is used as it is, and its owner commits, maps the errors and
        tells the authorizer, once, for all of them.
        """
        if within is not None:
            yield within
            return
        with _store_errors(), self.store.transaction() as tx:
            yield tx
            # Delivered to the other processes when (and only if) the transaction commits.
            tx.announce_change(account_id)
        self.authorizer.invalidate(account_id)

    @contextmanager
    def read(self, *, within: Transaction | None = None) -> Iterator[Transaction]:
        """A read-only transaction, with the store's errors mapped as in :meth:`transaction`;
        ``within``: read in the caller's transaction instead (and see what it wrote)."""
        if within is not None:
            yield within
            return
        with _store_errors(), self.store.read() as tx:
            yield tx


@contextmanager
def _store_errors() -> Iterator[None]:
    try:
        yield
    except Conflict as conflict:
        raise EntityAlreadyExists(
            conflict.entity, f"The {conflict.entity} already exists: {conflict.key}."
        ) from None
    except ReferenceMissing as missing:
        raise EntityNotExist(
            missing.entity, f"The {missing.entity} does not exist: {missing.key}."
        ) from None
    except InvalidMarker:
        raise InvalidParameter("Marker", "The parameter Marker is not valid.") from None
