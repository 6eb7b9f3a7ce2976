"""STS as a product of the API (:data:`ramsts.products.STS`), and its actions.

AssumeRole, AssumeRoleWithOIDC and AssumeRoleWithSAML (both anonymous) and GetCallerIdentity go
on the STS version, each declared once (:mod:`ramsts.sts.wire`) over its use case;
``RevokeRoleSessions``, a ramsts extension that acts on a RAM role, goes on the RAM version
(:data:`ramsts.products.RAM`), where role management lives (see ``docs/sts.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ramsts.caching import Caches
from ramsts.config import Settings
from ramsts.federation import IssuerKeys
from ramsts.products import RAM, STS
from ramsts.ram.authorization import Authorizer
from ramsts.ram.service import RamService
from ramsts.ram.wire.declaration import register_actions as register_ram_actions
from ramsts.store import Store
from ramsts.sts.assume_role import AssumeRole, KeyRingSource
from ramsts.sts.assume_role_with_oidc import AssumeRoleWithOIDC
from ramsts.sts.assume_role_with_saml import RECIPIENTS, AssumeRoleWithSAML
from ramsts.sts.wire.caller_identity import GET_CALLER_IDENTITY
from ramsts.sts.wire.declaration import register_actions
from ramsts.sts.wire.federation import oidc_action, saml_action
from ramsts.sts.wire.revocation import revoke_role_sessions_action
from ramsts.sts.wire.sessions import assume_role_action
from ramsts.types import Clock

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable


class StsServices(Protocol):
    """What STS takes from the composition root (:class:`ramsts.services.Services`)."""

    @property
    def store(self) -> Store: ...

    @property
    def authorizer(self) -> Authorizer: ...

    @property
    def key_ring(self) -> KeyRingSource: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def caches(self) -> Caches: ...

    @property
    def issuer_keys(self) -> IssuerKeys: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def ram(self) -> RamService: ...


def register(table: ActionTable, services: StsServices) -> None:
    """Declare STS (and RAM, harmlessly, for the extension) and register their STS actions."""
    assume_role = AssumeRole(
        services.store,
        services.authorizer,
        services.key_ring,
        clock=services.clock,
        role_cache_ttl=services.settings.cache_max_age,
        caches=services.caches,
    )
    oidc = AssumeRoleWithOIDC(
        services.store,
        assume_role,
        services.issuer_keys,
        clock=services.clock,
        provider_cache_ttl=services.settings.cache_max_age,
        caches=services.caches,
    )
    saml = AssumeRoleWithSAML(
        services.store,
        assume_role,
        clock=services.clock,
        recipients=frozenset(services.settings.saml_recipients or RECIPIENTS),
    )
    table.add_product(STS)
    register_actions(
        table,
        (
            assume_role_action(assume_role),
            oidc_action(oidc),
            saml_action(saml),
            GET_CALLER_IDENTITY,
        ),
    )
    table.add_product(RAM)
    register_ram_actions(
        table, services.ram, (revoke_role_sessions_action(assume_role.forget_role),)
    )
