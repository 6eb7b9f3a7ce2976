"""Users: the list, creating one (optionally with console access), and a user's details —
groups, permissions (Authorize / detach), AccessKeys (a new secret shown exactly once), console
access and the MFA device (their forms are :mod:`ramsts.console.pages.user_access`'s)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.authorize import (
    attach_outcome,
    attach_selected,
    available_policies,
    detach_one,
)
from ramsts.console.problems import Problem
from ramsts.console.site import Site
from ramsts.console.visits import Visit, form_fields, signed_in_page
from ramsts.errors import NoPermission, RamstsError
from ramsts.parameters import Parameters
from ramsts.ram.passwords import PASSWORD, PasswordPolicy, check_password_strength
from ramsts.types import Secret

NEW_USER_FIELDS = ("UserName", "DisplayName", "Comments", "Password")


def list_users(visit: Visit) -> Response:
    users = visit.items("ListUsers", "Users", "User")
    return visit.render("users.html", users=users)


def new_user(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return visit.render("user_new.html", values={})
    name = visit.field("UserName")
    try:
        create_user(visit, name)
    except UserLeftBehind as failure:
        return _not_created(visit, failure.error, failure.note)
    except RamstsError as error:
        return _not_created(visit, error)
    return visit.redirect(f"/users/{name}", notice=f"User {name} was created.")


def _not_created(visit: Visit, error: RamstsError, note: str = "") -> Response:
    """The form again, as typed but for the password, with the one error."""
    problem = visit.problem(error)
    if note:
        problem = replace(problem, message=f"{problem.message} {note}")
    values = dict(form_fields(visit, *NEW_USER_FIELDS), Password="")
    return visit.render("user_new.html", status=error.http_status, values=values, problem=problem)


def create_user(visit: Visit, name: str) -> None:
    """CreateUser and, if asked, CreateLoginProfile, as one step to the person: either the user
    exists with the access asked for, or nothing was written.

    The password is checked against the account's password policy before anything is written;
    should the login profile still fail (a refusal, a policy changed meanwhile), the user is
    deleted again and that one error raised. A stand-in for a single action that writes both in
    one transaction, which can replace this function whole.
    """
    console_access = bool(visit.field("console_access"))
    password = visit.field("Password")
    if console_access:
        check_new_user_password(visit, password)
    visit.run(
        "CreateUser",
        UserName=name,
        DisplayName=visit.field("DisplayName"),
        Comments=visit.field("Comments"),
    )
    if not console_access:
        return
    try:
        visit.run(
            "CreateLoginProfile",
            UserName=name,
            Password=password,
            PasswordResetRequired=str(bool(visit.field("PasswordResetRequired"))).lower(),
        )
    except RamstsError as error:
        try:
            visit.run("DeleteUser", UserName=name)
        except RamstsError as leftover:
            raise UserLeftBehind(error, name) from leftover
        raise


def check_new_user_password(visit: Visit, password: str) -> None:
    """Refuse ``password`` as CreateLoginProfile would: the parameter's own rules, then the
    account's password policy — when the signed-in principal may read it (GetPasswordPolicy);
    otherwise CreateLoginProfile is the judge."""
    Parameters({"Password": password} if password else {}).required("Password", PASSWORD)
    try:
        stored = visit.run("GetPasswordPolicy")["PasswordPolicy"]
    except NoPermission:
        return
    check_password_strength(PasswordPolicy.from_stored(stored), Secret(password))


class UserLeftBehind(Exception):
    """The login profile failed and the user could not be deleted again (the principal may
    not): ``error`` is the login profile's, ``note`` says what was left."""

    def __init__(self, error: RamstsError, name: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.note = (
            f"The user {name} was created without console access and could not be deleted"
            " again: delete it, or enable its console access on its page."
        )


def user_details(visit: Visit, **extra: Any) -> Response:
    name = visit.path("name")
    status = int(extra.pop("status", 200))
    user = visit.run("GetUser", UserName=name)["User"]
    groups, groups_problem = visit.attempt("ListGroupsForUser", UserName=name)
    policies, policies_problem = visit.attempt("ListPoliciesForUser", UserName=name)
    keys, keys_problem = visit.attempt("ListAccessKeys", UserName=name)
    profile, profile_problem = visit.attempt("GetLoginProfile", UserName=name)
    mfa, mfa_problem = visit.attempt("GetUserMFAInfo", UserName=name)
    devices, devices_problem = visit.attempt("ListVirtualMFADevices")
    attached = policies.get("Policies", {}).get("Policy", [])
    available, available_problem = [], None
    try:
        available = available_policies(visit, attached)
    except RamstsError as error:
        available_problem = visit.problem(error)
    context = {
        "user": user,
        "groups": groups.get("Groups", {}).get("Group", []),
        "groups_problem": groups_problem,
        "policies": attached,
        "policies_problem": policies_problem,
        "keys": keys.get("AccessKeys", {}).get("AccessKey", []),
        "keys_problem": keys_problem,
        "profile": profile.get("LoginProfile"),
        "profile_missing": _missing(profile_problem),
        "profile_problem": None if _missing(profile_problem) else profile_problem,
        "mfa": mfa.get("MFADevice"),
        "mfa_problem": None if _missing(mfa_problem) else mfa_problem,
        "unbound_devices": [
            d
            for d in devices.get("VirtualMFADevices", {}).get("VirtualMFADevice", [])
            if not d.get("User")
        ],
        "devices_problem": devices_problem,
        "binding": "",
        "available": available,
        "available_problem": available_problem,
        "authorize_open": bool(visit.query("authorize")),
        **extra,
    }
    return visit.render("user.html", status=status, **context)


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
    created = visit.run("CreateAccessKey", UserName=name)["AccessKey"]
    return user_details(visit, new_key=created)


def change_access_key(visit: Visit) -> Response:
    name, key_id = visit.path("name"), visit.path("key_id")
    if visit.field("operation") == "delete":
        visit.run("DeleteAccessKey", UserName=name, UserAccessKeyId=key_id)
        return visit.redirect(f"/users/{name}", notice=f"AccessKey {key_id} was deleted.")
    status = "Inactive" if visit.field("operation") == "disable" else "Active"
    visit.run("UpdateAccessKey", UserName=name, UserAccessKeyId=key_id, Status=status)
    return visit.redirect(f"/users/{name}", notice=f"AccessKey {key_id} is now {status}.")


def change_membership(visit: Visit) -> Response:
    name, group = visit.path("name"), visit.field("GroupName")
    if visit.field("operation") == "remove":
        visit.run("RemoveUserFromGroup", UserName=name, GroupName=group)
        return visit.redirect(f"/users/{name}", notice=f"{name} left group {group}.")
    visit.run("AddUserToGroup", UserName=name, GroupName=group)
    return visit.redirect(f"/users/{name}", notice=f"{name} joined group {group}.")


def delete_user(visit: Visit) -> Response:
    name = visit.path("name")
    visit.run("DeleteUser", UserName=name)
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
