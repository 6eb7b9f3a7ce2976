"""The console as one ASGI application, mounted by the composition root at ``/console``.

Besides the pages it serves its one stylesheet and one script, and it sets on every response the
headers an admin console needs: nothing cached (a new AccessKey secret must not linger in a
cache), no framing, scripts and styles only from itself.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ramsts.console.backend import ConsoleServices
from ramsts.console.pages import (
    events,
    groups,
    oidc_providers,
    overview,
    password,
    policies,
    roles,
    saml_providers,
    security,
    signin,
    simulator,
    user_access,
    users,
    validation,
)
from ramsts.console.site import Site

SECURITY_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response of the console."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_console(services: ConsoleServices) -> Starlette:
    """The console over the composition root's ``services``."""
    site = Site.build(services)
    static_dir = Path(str(files("ramsts.console") / "static"))
    routes: list[BaseRoute] = [
        Mount("/static", app=StaticFiles(directory=static_dir), name="static"),
        *signin.routes(site),
        *overview.routes(site),
        *users.routes(site),
        *user_access.routes(site),
        *groups.routes(site),
        *roles.routes(site),
        *policies.routes(site),
        *oidc_providers.routes(site),
        *saml_providers.routes(site),
        *simulator.routes(site),
        *security.routes(site),
        *events.routes(site),
        *password.routes(site),
        *validation.routes(site),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
