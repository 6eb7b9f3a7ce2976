"""Users: the list, creating one (optionally with console access, an AccessKey and groups, in one
transaction), and a user's details — groups, permissions (Authorize / detach), AccessKeys (a
new secret shown exactly once), console access and the MFA device (their forms are
:mod:`ramsts.console.pages.user_access`'s)."""

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
from ramsts.console.new_user import NewUserForm, create_user_with_access
from ramsts.console.problems import Problem
from ramsts.console.site import Site
from ramsts.console.visits import Visit, form_fields, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ram import access_keys, groups, last_use, login_profiles, mfa, users
from ramsts.ram.access_keys import KeyOwner, KeyStatusChange, OwnedKey
from ramsts.ram.groups import LIST_GROUPS_MAX_ITEMS, Membership
from ramsts.ram.login_profiles import NewLoginProfile
from ramsts.ram.service import without_input
from ramsts.ram.users import NewUser
from ramsts.store import AccessKey, AccessKeyStatus, Group, LastUse
from ramsts.types import Secret

NEW_USER_FIELDS = ("UserName", "DisplayName", "Comments", "Password")
LIST_MFA_DEVICES = without_input(mfa.list_virtual_mfa_devices)


def list_users(visit: Visit) -> Response:
    return visit.render("users.html", users=visit.every(users.list_users))


def new_user(visit: Visit) -> Response:
    """The user and the access asked for are created in one transaction (see
    :mod:`ramsts.console.new_user`): a refusal shows the form again, and nothing was written."""
    if visit.request.method == "GET":
        return visit.render("user_new.html", values={}, groups=_joinable_groups(visit))
    try:
        created = visit.act(create_user_with_access, _new_user_form(visit))
    except RamstsError as error:
        return _not_created(visit, error)
    name = created.user.user_name
    notice = f"User {name} was created."
    if created.access_key is not None:
        # The new secret goes into this one response, never a redirect.
        visit.notice = notice
        return _user_page(visit, name, new_key=created.access_key)
    return visit.redirect(f"/users/{name}", notice=notice)


def _new_user_form(visit: Visit) -> NewUserForm:
    name = visit.field("UserName")
    console_access = None
    if visit.field("console_access"):
        console_access = NewLoginProfile(
            user_name=name,
            password=Secret(visit.field("Password")),
            password_reset_required=bool(visit.field("PasswordResetRequired")),
        )
    return NewUserForm(
        user=NewUser(
            user_name=name,
            display_name=visit.field("DisplayName"),
            comments=visit.field("Comments"),
        ),
        console_access=console_access,
        access_key=bool(visit.field("openapi_access")),
        groups=tuple(group for group in visit.fields("GroupName") if group),
    )


def _joinable_groups(visit: Visit) -> list[Group]:
    """The groups the form offers: none to a principal that may not list them."""
    try:
        return visit.every(groups.list_groups, page_size=LIST_GROUPS_MAX_ITEMS)
    except RamstsError:
        return []


def _not_created(visit: Visit, error: RamstsError) -> Response:
    """The form again, as typed but for the password, with the one error."""
    values: dict[str, Any] = dict(
        form_fields(visit, *NEW_USER_FIELDS, "openapi_access"), Password=""
    )
    values["groups"] = visit.fields("GroupName")
    return visit.render(
        "user_new.html",
        status=error.http_status,
        values=values,
        problem=visit.problem(error),
        groups=_joinable_groups(visit),
    )


def user_details(visit: Visit, **extra: Any) -> Response:
    """The page of the user the path names, answering a form posted to it."""
    return _user_page(visit, visit.path("name"), **extra)


def _user_page(visit: Visit, name: str, **extra: Any) -> Response:
    status = int(extra.pop("status", 200))
    user = visit.act(users.get_user, name)
    memberships, groups_problem = visit.attempt_to(groups.list_groups_for_user, name)
    attached, policies_problem = attached_policies(visit, "User", name)
    activity, _ = visit.attempt_to(last_use.get_user_activity, name)
    keys, keys_problem = visit.attempt_to(access_keys.list_access_keys, KeyOwner(name))
    profile, profile_problem = visit.attempt_to(login_profiles.get_login_profile, name)
    bound, mfa_problem = visit.attempt_to(mfa.get_user_mfa_info, name)
    devices, devices_problem = visit.attempt_to(LIST_MFA_DEVICES, None)
    available, available_problem = [], None
    try:
        available = available_policies(visit, attached)
    except RamstsError as error:
        available_problem = visit.problem(error)
    context = {
        "user": user,
        "groups": memberships or (),
        "groups_problem": groups_problem,
        "policies": attached,
        "policies_problem": policies_problem,
        "activity": activity,
        "keys": keys or (),
        "keys_last_used": _keys_last_used(visit, name, keys or ()),
        "keys_problem": keys_problem,
        "profile": None if profile is None else profile.profile,
        "profile_missing": _missing(profile_problem),
        "profile_problem": None if _missing(profile_problem) else profile_problem,
        "mfa": None if bound is None else bound.device,
        "mfa_problem": None if _missing(mfa_problem) else mfa_problem,
        "unbound_devices": [listed.device for listed in devices or () if listed.user is None],
        "devices_problem": devices_problem,
        "binding": "",
        "available": available,
        "available_problem": available_problem,
        "authorize_open": bool(visit.query("authorize")),
        **extra,
    }
    return visit.render("user.html", status=status, **context)


def _keys_last_used(
    visit: Visit, name: str, keys: tuple[AccessKey, ...]
) -> dict[str, LastUse | None]:
    """Each key's last use, by AccessKeyId; a key whose last use the principal may not read
    is left out (the page shows a dash, not "never")."""
    found: dict[str, LastUse | None] = {}
    for key in keys:
        owned = OwnedKey(key.access_key_id, KeyOwner(name))
        used, problem = visit.attempt_to(access_keys.get_access_key_last_used, owned)
        if problem is None:
            found[key.access_key_id] = used
    return found


def _missing(problem: Problem | None) -> bool:
    """Whether a read failed only because there is nothing to read (no login profile, no
    device bound)."""
    return problem is not None and problem.http_status == 404


def show_user(visit: Visit) -> Response:
    return user_details(visit)


def authorize_user(visit: Visit) -> Response:
    name = visit.path("name")
    attached, problems = attach_selected(visit, "User", name)
    if problems:
        return user_details(visit, problem=problems[0], status=problems[0].http_status)
    return visit.redirect(f"/users/{name}", notice=attach_outcome(attached))


def detach_from_user(visit: Visit) -> Response:
    name = visit.path("name")
    policy_name = detach_one(visit, "User", name)
    return visit.redirect(f"/users/{name}", notice=f"Detached {policy_name} from {name}.")


def create_access_key(visit: Visit) -> Response:
    """The new secret is rendered into this one response (never a redirect, a cookie or a log),
    which the browser is told not to store."""
    name = visit.path("name")
    created = visit.act(access_keys.create_access_key, KeyOwner(name))
    return user_details(visit, new_key=created)


def change_access_key(visit: Visit) -> Response:
    name = visit.path("name")
    key = OwnedKey(visit.path("key_id"), KeyOwner(name))
    key_id = key.access_key_id
    if visit.field("operation") == "delete":
        visit.act(access_keys.delete_access_key, key)
        return visit.redirect(f"/users/{name}", notice=f"AccessKey {key_id} was deleted.")
    status: AccessKeyStatus = "Inactive" if visit.field("operation") == "disable" else "Active"
    visit.act(access_keys.update_access_key, KeyStatusChange(key, status))
    return visit.redirect(f"/users/{name}", notice=f"AccessKey {key_id} is now {status}.")


def change_membership(visit: Visit) -> Response:
    name, group = visit.path("name"), visit.field("GroupName")
    if visit.field("operation") == "remove":
        visit.act(groups.remove_user_from_group, Membership(group, name))
        return visit.redirect(f"/users/{name}", notice=f"{name} left group {group}.")
    visit.act(groups.add_user_to_group, Membership(group, name))
    return visit.redirect(f"/users/{name}", notice=f"{name} joined group {group}.")


def delete_user(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(users.delete_user, name)
    return visit.redirect("/users", notice=f"User {name} was deleted.")


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/users", list_users, ["GET"]),
        page("/users/new", new_user, ["GET", "POST"]),
        page("/users/{name}", show_user, ["GET"]),
        page("/users/{name}/policies", authorize_user, ["POST"]),
        page("/users/{name}/policies/detach", detach_from_user, ["POST"]),
        page("/users/{name}/access-keys", create_access_key, ["POST"]),
        page("/users/{name}/access-keys/{key_id}", change_access_key, ["POST"]),
        page("/users/{name}/groups", change_membership, ["POST"]),
        page("/users/{name}/delete", delete_user, ["POST"]),
    ]
