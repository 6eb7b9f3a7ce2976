"""OIDC providers (Ims): the list, registering an issuer with its client ids and
certificate fingerprints, deleting one. Each click runs the use case of
:mod:`ramsts.ims.oidc_providers` as the signed-in caller, authorized as ``ram:<Action>`` on the
provider's ARN like every other console page's action."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ims.oidc_providers import (
    NewOIDCProvider,
    create_oidc_provider,
    delete_oidc_provider,
    list_oidc_providers,
)

FORM_FIELDS = ("OIDCProviderName", "IssuerUrl", "ClientIds", "Fingerprints", "Description")


def list_providers(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    providers = visit.every(list_oidc_providers)
    return visit.render("oidc_providers.html", status=status, providers=providers, **extra)


def create_provider(visit: Visit) -> Response:
    """Client ids and fingerprints are typed one list each, separated by commas or lines."""
    values = {name: visit.field(name) for name in FORM_FIELDS}
    try:
        new = NewOIDCProvider(
            provider_name=values["OIDCProviderName"],
            issuer_url=values["IssuerUrl"],
            description=values["Description"],
            client_ids=_entries(values["ClientIds"]),
            fingerprints=_entries(values["Fingerprints"]),
        )
        visit.act(create_oidc_provider, new)
    except RamstsError as error:
        return list_providers(
            visit, status=error.http_status, problem=visit.problem(error), values=values
        )
    name = values["OIDCProviderName"]
    return visit.redirect("/oidc-providers", notice=f"OIDC provider {name} was created.")


def delete_provider(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(delete_oidc_provider, name)
    return visit.redirect("/oidc-providers", notice=f"OIDC provider {name} was deleted.")


def _entries(typed: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in typed.replace("\n", ",").split(",") if part.strip())


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/oidc-providers", list_providers, ["GET"]),
        page("/oidc-providers/new", create_provider, ["POST"]),
        page("/oidc-providers/{name}/delete", delete_provider, ["POST"]),
    ]
