"""``Ramsts`` (:data:`ramsts.products.RAMSTS`): the ramsts extension product resource services
call.

One action, ``VerifyRequest`` (:mod:`ramsts.guard.verification`). Registered like every product,
by listing this module in :data:`ramsts.services.ACTION_MODULES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ramsts.products import RAMSTS

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.authentication import RequestAuthenticator
    from ramsts.guard.local import Authorizes


class GuardServices(Protocol):
    """What the product takes from the composition root."""

    @property
    def authenticator(self) -> RequestAuthenticator: ...

    @property
    def authorizer(self) -> Authorizes: ...


def register(table: ActionTable, services: GuardServices) -> None:
    # Imported here: the remote guard reads this module's names and must not load the store.
    from ramsts.guard.local import LocalVerifier
    from ramsts.guard.verification import VerifyRequest

    table.add_product(RAMSTS)
    verifier = LocalVerifier(services.authenticator, services.authorizer)
    # Cached: it reaches the store only through the caches and the nonce ledger, so it runs on
    # the event loop, and its client's nonce is spent with the loop's batch.
    table.add(RAMSTS.version, "VerifyRequest", VerifyRequest(verifier), cached=True)
