"""OIDC providers (Ims): the list, registering an issuer with its client ids and
certificate fingerprints, deleting one. Each click runs the Ims action as the signed-in caller,
authorized as ``ram:<Action>`` on the provider's ARN like every other console page's action."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.products import IMS

FORM_FIELDS = ("OIDCProviderName", "IssuerUrl", "ClientIds", "Fingerprints", "Description")


def list_providers(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    providers = visit.calls.items(
        visit.principal, "ListOIDCProviders", "OIDCProviders", "OIDCProvider", version=IMS.version
    )
    return visit.render("oidc_providers.html", status=status, providers=providers, **extra)


def create_provider(visit: Visit) -> Response:
    """Client ids and fingerprints are typed one list each, separated by commas or lines, and
    sent as the SDKs send them: comma-separated."""
    values = {name: visit.field(name) for name in FORM_FIELDS}
    try:
        visit.calls.run(
            visit.principal,
            "CreateOIDCProvider",
            version=IMS.version,
            OIDCProviderName=values["OIDCProviderName"],
            IssuerUrl=values["IssuerUrl"],
            ClientIds=_comma_separated(values["ClientIds"]),
            Fingerprints=_comma_separated(values["Fingerprints"]),
            Description=values["Description"],
        )
    except RamstsError as error:
        return list_providers(
            visit, status=error.http_status, problem=visit.problem(error), values=values
        )
    name = values["OIDCProviderName"]
    return visit.redirect("/oidc-providers", notice=f"OIDC provider {name} was created.")


def delete_provider(visit: Visit) -> Response:
    name = visit.path("name")
    visit.calls.run(
        visit.principal, "DeleteOIDCProvider", version=IMS.version, OIDCProviderName=name
    )
    return visit.redirect("/oidc-providers", notice=f"OIDC provider {name} was deleted.")


def _comma_separated(typed: str) -> str:
    return ",".join(part.strip() for part in typed.replace("\n", ",").split(",") if part.strip())


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/oidc-providers", list_providers, ["GET"]),
        page("/oidc-providers/new", create_provider, ["POST"]),
        page("/oidc-providers/{name}/delete", delete_provider, ["POST"]),
    ]
