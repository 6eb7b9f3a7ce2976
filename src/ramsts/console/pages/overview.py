"""Overview: who is signed in, the account, how many of each entity it has, and how its RAM
users sign in. Each figure is read through its own List action, so someone who may not list
something sees a dash rather than an error page."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.site import Site
from ramsts.console.visits import UseCase, Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ram import groups, roles, users
from ramsts.ram.account_alias import get_account_alias
from ramsts.ram.groups import LIST_GROUPS_MAX_ITEMS
from ramsts.ram.listing import MOST_ITEMS, Listing
from ramsts.ram.policies import policies_of_type
from ramsts.ram.security_preference import get_security_preference
from ramsts.ram.service import without_input
from ramsts.store import Page


def overview(visit: Visit) -> Response:
    counts = [
        {"label": "Users", "count": _count(visit, users.list_users), "href": "/users"},
        {
            "label": "Groups",
            "count": _count(visit, groups.list_groups, LIST_GROUPS_MAX_ITEMS),
            "href": "/groups",
        },
        {"label": "Roles", "count": _count(visit, roles.roles_page), "href": "/roles"},
        {
            "label": "Custom policies",
            "count": _count(visit, policies_of_type("Custom")),
            "href": "/policies?type=Custom",
        },
    ]
    alias, _ = visit.attempt_to(without_input(get_account_alias), None)
    preference, _ = visit.attempt_to(without_input(get_security_preference), None)
    return visit.render(
        "overview.html",
        counts=counts,
        alias=alias or "",
        preference=preference,
    )


def _count(
    visit: Visit, list_use_case: UseCase[Listing, Page[Any]], page_size: int = MOST_ITEMS
) -> int | None:
    """How many there are, or ``None`` for a principal that may not list them."""
    try:
        return len(visit.every(list_use_case, page_size=page_size))
    except RamstsError:
        return None


def routes(site: Site) -> list[BaseRoute]:
    return [Route("/", signed_in_page(site, overview), methods=["GET"])]
