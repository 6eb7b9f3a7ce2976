"""The action table: which handler answers each (product version, action name).

Every product (RAM, STS, …, declared in :mod:`ramsts.products`) registers its actions here at
start-up; the RPC endpoint looks them up by the ``Version`` and ``Action`` of each request. A
handler is a plain service callable::

    def get_caller_identity(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]

It receives the authenticated caller (``None`` only for actions registered ``anonymous=True``) and
the request parameters, and returns the response body without ``RequestId``. It raises a
:class:`~ramsts.errors.RamstsError` for anything the client should see.

Products plug in from their own packages with their declaration from :mod:`ramsts.products`,
so the service layer never imports the HTTP layer at run time (it names :class:`ActionTable` for
type checking only)::

    from ramsts.products import STS

    def register(table: ActionTable, services: Services) -> None:
        table.add_product(STS)
        table.add(STS.version, "GetCallerIdentity", get_caller_identity)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ramsts.caller import Caller
from ramsts.errors import GatewayError, not_supplied
from ramsts.products import Product

ActionHandler = Callable[[Caller | None, Mapping[str, str]], dict[str, Any]]

_ACTION_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{1,127}$")


@dataclass(frozen=True, slots=True)
class RegisteredAction:
    product: Product
    name: str
    handler: ActionHandler
    anonymous: bool
    """Whether unsigned requests may call it (only AssumeRoleWithOIDC / AssumeRoleWithSAML)."""
    cached: bool = False
    """Whether its handler reaches the store only through caches and the nonce ledger
    (AssumeRole, GetCallerIdentity, VerifyRequest): the endpoint then runs it on the event loop,
    where a cache that needs filling fills in a worker thread (see :mod:`ramsts.api.rpc`); any
    other handler runs in a worker thread."""


class ActionTable:
    """Products and their actions, keyed by API version then action name.

    Filled once at start-up by the composition root, then only read, so lookups need no lock.
    """

    def __init__(self) -> None:
        self._products: dict[str, Product] = {}
        self._actions: dict[str, dict[str, RegisteredAction]] = {}
        self._unserved: dict[str, str] = {}

    def mention_unserved(self, version: str, how_to_serve: str) -> None:
        """Make ``InvalidVersion`` for ``version`` say how to serve it: a product this server
        could serve but was not started with."""
        self._unserved[version] = how_to_serve

    def add_product(
        self,
        product: Product | None = None,
        *,
        code: str = "",
        version: str = "",
        host_id: str = "",
    ) -> Product:
        """Declare a product, one of :mod:`ramsts.products` or, by keywords, one of its own (a
        test's); declaring the same one twice is harmless, a clash is a bug."""
        if product is None:
            product = Product(code=code, version=version, host_id=host_id)
        known = self._products.get(product.version)
        if known is not None and known != product:
            raise ValueError(f"version {product.version} is already served by {known.code}")
        self._products[product.version] = product
        self._actions.setdefault(product.version, {})
        return product

    def add(
        self,
        version: str,
        name: str,
        handler: ActionHandler,
        *,
        anonymous: bool = False,
        cached: bool = False,
    ) -> None:
        """Register ``handler`` as action ``name`` of the product serving ``version``;
        ``cached``: see :class:`RegisteredAction`."""
        if not _ACTION_NAME.match(name):
            raise ValueError(f"not an action name: {name!r}")
        product = self._products.get(version)
        if product is None:
            raise ValueError(f"declare the product of version {version} before its actions")
        actions = self._actions[version]
        if name in actions:
            raise ValueError(f"{product.code} action {name} is registered twice")
        actions[name] = RegisteredAction(product, name, handler, anonymous, cached)

    def product(self, version: str) -> Product | None:
        return self._products.get(version)

    def resolve(self, version: str | None, action: str | None) -> RegisteredAction:
        """The action a request asks for, or the gateway error the real service answers with."""
        if not version:
            raise GatewayError(
                "MissingParameter",
                not_supplied("Version"),
            )
        actions = self._actions.get(version)
        if actions is None:
            hint = self._unserved.get(version)
            raise GatewayError(
                "InvalidVersion",
                "Specified parameter Version is not valid." + (f" {hint}" if hint else ""),
                http_status=400,
            )
        if not action:
            raise GatewayError(
                "MissingParameter",
                not_supplied("Action"),
            )
        registered = actions.get(action)
        if registered is None:
            raise GatewayError(
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
                http_status=404,
            )
        return registered

    def __iter__(self) -> Iterator[RegisteredAction]:
        for actions in self._actions.values():
            yield from actions.values()
