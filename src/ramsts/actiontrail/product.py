"""ActionTrail as a product of the API (:data:`ramsts.products.ACTIONTRAIL`), and
LookupEvents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ramsts.actiontrail import wire
from ramsts.products import ACTIONTRAIL
from ramsts.ram.service import RamService

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


class _HasRam(Protocol):
    @property
    def ram(self) -> RamService: ...


def register(table: ActionTable, services: _HasRam) -> None:
    """Declare ActionTrail and register LookupEvents, run by the RAM service (its store, where
    the trail is, and its authorizer)."""
    table.add_product(ACTIONTRAIL)
    wire.register(table, services.ram)
