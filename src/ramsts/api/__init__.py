"""The HTTP API: one ASGI application serving every product's RPC actions.

The composition root builds it with :func:`create_app`; products register their actions into an
:class:`ActionTable` (see :mod:`ramsts.api.actions` for the handler contract).
"""

from ramsts.api.actions import ActionHandler, ActionTable, RegisteredAction
from ramsts.api.app import HEALTH_PATH, ApiApplication, create_app
from ramsts.api.rpc import ApiServices
from ramsts.authentication import RequestAuthenticator
from ramsts.products import Product

__all__ = [
    "HEALTH_PATH",
    "ActionHandler",
    "ActionTable",
    "ApiApplication",
    "ApiServices",
    "Product",
    "RegisteredAction",
    "RequestAuthenticator",
    "create_app",
]
