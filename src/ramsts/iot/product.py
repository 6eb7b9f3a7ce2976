"""The IoT sample inside the ramsts server (``ramsts serve --demo-products``).

The API has authenticated the request already, so each action only authorizes the caller, through
the guard's local mode (:meth:`ramsts.guard.LocalVerifier.authorize`), then runs. A denial raises
``NoPermission`` (403), which the API renders in the gateway envelope with its
``AccessDeniedDetail``. The ``iot_`` tables live in the server's own database.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from ramsts.authentication import RequestAuthenticator
from ramsts.caller import Caller
from ramsts.config import Settings
from ramsts.errors import NOT_AUTHORIZED, NoPermission
from ramsts.guard import LocalVerifier
from ramsts.guard.local import Authorizes
from ramsts.iot.actions import ACTIONS, IotService
from ramsts.iot.tables import IotTables, open_iot_database
from ramsts.products import IOT
from ramsts.types import Clock

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


class IotServices(Protocol):
    """What the product takes from the composition root."""

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def authenticator(self) -> RequestAuthenticator: ...

    @property
    def authorizer(self) -> Authorizes: ...


class GuardedAction:
    """One IoT action on the server's action table: authorize, then run."""

    def __init__(self, iot: IotService, verifier: LocalVerifier, action: str) -> None:
        self._iot = iot
        self._verifier = verifier
        self._action = action

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        if caller is None:
            raise NoPermission(None, NOT_AUTHORIZED)
        action, resources = self._iot.target(self._action, params, caller.account_id)
        result = self._verifier.authorize(caller, action, resources, {})
        if not result.allowed:
            raise result.denial()
        return self._iot.run(self._action, caller.account_id, params)


def register(table: ActionTable, services: IotServices) -> None:
    table.add_product(IOT)
    engine = open_iot_database(services.settings.db_url)
    # The composition root has no close hook for products yet: release the pool's connections
    # when the services they were opened for go away.
    weakref.finalize(services, engine.dispose)
    tables = IotTables(engine)
    iot = IotService(tables, region=IOT.region, clock=services.clock)
    verifier = LocalVerifier(services.authenticator, services.authorizer)
    for action in ACTIONS:
        table.add(IOT.version, action, GuardedAction(iot, verifier, action))
