"""Ims as a product of the API (:data:`ramsts.products.IMS`), and its actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ramsts.ims import (
    access_keys,
    account_settings,
    groups,
    login_profiles,
    mfa_devices,
    users,
)
from ramsts.ims.wire import oidc_providers, saml_providers
from ramsts.products import IMS
from ramsts.ram.service import RamService

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


class _HasRam(Protocol):
    @property
    def ram(self) -> RamService: ...


def register(table: ActionTable, services: _HasRam) -> None:
    """Declare Ims and register its actions, run by the RAM service (same store, same
    authorizer, same transactions): the OIDC and SAML providers, and, under their Ims names,
    RAM's users, login profiles, AccessKeys, groups, password policy and security preference."""
    table.add_product(IMS)
    oidc_providers.register(table, services.ram)
    saml_providers.register(table, services.ram)
    users.register(table, services.ram)
    login_profiles.register(table, services.ram)
    access_keys.register(table, services.ram)
    groups.register(table, services.ram)
    account_settings.register(table, services.ram)
    mfa_devices.register(table, services.ram)
