"""What every RAM action module receives: :class:`RamService`.

It holds the store, the master key (secrets at rest, diagnostic messages), the authorizer, the
clock and the quotas, and opens the one transaction of each action. Action modules register
their handlers with ``register(table, ram)`` (see :mod:`ramsts.ram.product`)::

    def register(table: ActionTable, ram: RamService) -> None:
        def get_user(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
            principal = ram.signed_in(caller)
            name = Parameters(params).required("UserName", USER_NAME)
            ram.authorizer.require(principal, "ram:GetUser", user_arn(principal.account_id, name))
            with ram.read() as tx:
                ...
        table.add(ram.version, "GetUser", get_user)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.errors import EntityAlreadyExists, EntityNotExist, InvalidParameter, NoPermission
from ramsts.ram.authorization import Authorizer
from ramsts.ram.quotas import DEFAULT_QUOTAS, Quotas
from ramsts.store import Conflict, InvalidMarker, ReferenceMissing, Store, Transaction
from ramsts.types import Clock, system_clock

PRODUCT_CODE = "Ram"
API_VERSION = "2015-05-01"
HOST_ID = "ram.aliyuncs.com"


@dataclass(frozen=True, slots=True)
class RamService:
    store: Store
    master_key: MasterKey
    authorizer: Authorizer
    clock: Clock = system_clock
    quotas: Quotas = field(default=DEFAULT_QUOTAS)
    version: str = API_VERSION

    def signed_in(self, caller: Caller | None) -> Caller:
        """The caller of a signed request. RAM registers no anonymous action, so ``None`` here
        means a request that was never authenticated: it is refused, not served."""
        if caller is None:
            raise NoPermission(None, "You are not authorized to do this action.")
        return caller

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def transaction(self, account_id: str) -> Iterator[Transaction]:
        """The one read-write transaction of an action on ``account_id``'s entities.

        The store's own errors become the real service's codes (``Conflict`` →
        ``EntityAlreadyExists.<entity>``, a row gone meanwhile → ``EntityNotExist.<entity>``,
        a foreign marker → ``InvalidParameter.Marker``); if anything raises, nothing is written.
        After the commit the authorizer forgets the account's cached policies, so a change to
        who may do what is in force for the very next request.
        """
        with _store_errors(), self.store.transaction() as tx:
            yield tx
        self.authorizer.invalidate(account_id)

    @contextmanager
    def read(self) -> Iterator[Transaction]:
        """A read-only transaction, with the store's errors mapped as in :meth:`transaction`."""
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
