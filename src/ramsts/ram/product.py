"""RAM as a product of the API (:data:`ramsts.products.RAM`), and its actions.

Each action module exposes ``register(table, ram)``: the wire declarations of the use cases
(``wire.<module>``), and ``system_policies``, which registers no action but seeds the system
policies. They are listed here in the order of the spec's action groups (api.md §9.1).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

from ramsts.products import RAM
from ramsts.ram.service import RamService

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

ACTION_MODULES = (
    "wire.users",
    "wire.access_keys",
    "wire.login_profiles",
    "wire.passwords",
    "wire.groups",
    "system_policies",
    "wire.roles",
    "wire.service_linked_roles",
    "wire.policies",
    "wire.policy_versions",
    "wire.attachments",
    "wire.tags",
    "wire.account_alias",
    "wire.security_preference",
    "wire.mfa",
    "wire.diagnostics",
)


class _HasRam(Protocol):
    @property
    def ram(self) -> RamService: ...


def register(table: ActionTable, services: RamService | _HasRam) -> None:
    """Declare the product and register every RAM action; takes the RamService or anything
    that carries one as ``.ram`` (the composition root's ``Services``)."""
    ram = services if isinstance(services, RamService) else services.ram
    table.add_product(RAM)
    for name in ACTION_MODULES:
        importlib.import_module(f"ramsts.ram.{name}").register(table, ram)
