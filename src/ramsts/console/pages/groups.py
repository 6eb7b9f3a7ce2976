"""Groups: the list, creating one, and a group's members and permissions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.authorize import (
    attach_outcome,
    attach_selected,
    attached_policies,
    available_policies,
    detach_one,
)
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ram import groups as ram_groups
from ramsts.ram.groups import LIST_GROUPS_MAX_ITEMS, GroupListing, Membership, NewGroup
from ramsts.ram.listing import MOST_ITEMS, Listing


def list_groups(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    groups = visit.every(ram_groups.list_groups, page_size=LIST_GROUPS_MAX_ITEMS)
    return visit.render("groups.html", status=status, groups=groups, **extra)


def create_group(visit: Visit) -> Response:
    name = visit.field("GroupName")
    try:
        visit.act(ram_groups.create_group, NewGroup(name, visit.field("Comments")))
    except RamstsError as error:
        values = {"GroupName": name, "Comments": visit.field("Comments")}
        return list_groups(
            visit, status=error.http_status, problem=visit.problem(error), values=values
        )
    return visit.redirect(f"/groups/{name}", notice=f"Group {name} was created.")


def group_details(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    name = visit.path("name")
    group = visit.act(ram_groups.get_group, name)
    # A group holds at most the account's users: one page of the most a listing gives.
    members, members_problem = visit.attempt_to(
        ram_groups.list_users_for_group, GroupListing(name, Listing(max_items=MOST_ITEMS))
    )
    attached, policies_problem = attached_policies(visit, "Group", name)
    available, available_problem = [], None
    try:
        available = available_policies(visit, attached)
    except RamstsError as error:
        available_problem = visit.problem(error)
    return visit.render(
        "group.html",
        status=status,
        group=group,
        members=() if members is None else members.items,
        members_problem=members_problem,
        policies=attached,
        policies_problem=policies_problem,
        available=available,
        available_problem=available_problem,
        authorize_open=bool(visit.query("authorize")),
        **extra,
    )


def show_group(visit: Visit) -> Response:
    return group_details(visit)


def authorize_group(visit: Visit) -> Response:
    name = visit.path("name")
    attached, problems = attach_selected(visit, "Group", name)
    if problems:
        return group_details(visit, status=problems[0].http_status, problem=problems[0])
    return visit.redirect(f"/groups/{name}", notice=attach_outcome(attached))


def detach_from_group(visit: Visit) -> Response:
    name = visit.path("name")
    policy_name = detach_one(visit, "Group", name)
    return visit.redirect(f"/groups/{name}", notice=f"Detached {policy_name} from {name}.")


def change_members(visit: Visit) -> Response:
    name, user = visit.path("name"), visit.field("UserName")
    if visit.field("operation") == "remove":
        visit.act(ram_groups.remove_user_from_group, Membership(name, user))
        return visit.redirect(f"/groups/{name}", notice=f"{user} left {name}.")
    visit.act(ram_groups.add_user_to_group, Membership(name, user))
    return visit.redirect(f"/groups/{name}", notice=f"{user} joined {name}.")


def delete_group(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(ram_groups.delete_group, name)
    return visit.redirect("/groups", notice=f"Group {name} was deleted.")


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/groups", list_groups, ["GET"]),
        page("/groups/new", create_group, ["POST"]),
        page("/groups/{name}", show_group, ["GET"]),
        page("/groups/{name}/policies", authorize_group, ["POST"]),
        page("/groups/{name}/policies/detach", detach_from_group, ["POST"]),
        page("/groups/{name}/members", change_members, ["POST"]),
        page("/groups/{name}/delete", delete_group, ["POST"]),
    ]
