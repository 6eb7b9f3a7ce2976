"""SAML providers (Ims): the list, registering an IdP by its metadata, deleting
one. Each click runs the use case of :mod:`ramsts.ims.saml_providers` as the signed-in caller,
authorized as ``ram:<Action>`` on the provider's ARN like every other console page's action."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ims.saml_providers import (
    NewSAMLProvider,
    create_saml_provider,
    delete_saml_provider,
    list_saml_providers,
)


def list_providers(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    providers = visit.every(list_saml_providers)
    return visit.render("saml_providers.html", status=status, providers=providers, **extra)


def create_provider(visit: Visit) -> Response:
    """The metadata is pasted as XML, the document itself (the API takes it base64-encoded)."""
    name, description = visit.field("SAMLProviderName"), visit.field("Description")
    document = visit.field("SAMLMetadataDocument")
    try:
        new = NewSAMLProvider(
            provider_name=name, metadata_document=document, description=description
        )
        visit.act(create_saml_provider, new)
    except RamstsError as error:
        values = {
            "SAMLProviderName": name,
            "Description": description,
            "SAMLMetadataDocument": document,
        }
        return list_providers(
            visit, status=error.http_status, problem=visit.problem(error), values=values
        )
    return visit.redirect("/saml-providers", notice=f"SAML provider {name} was created.")


def delete_provider(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(delete_saml_provider, name)
    return visit.redirect("/saml-providers", notice=f"SAML provider {name} was deleted.")


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/saml-providers", list_providers, ["GET"]),
        page("/saml-providers/new", create_provider, ["POST"]),
        page("/saml-providers/{name}/delete", delete_provider, ["POST"]),
    ]
