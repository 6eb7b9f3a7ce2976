"""Policies: system and custom, searchable; Create Authorization Policy from the blank template
in a JSON editor the policy engine checks as you type; a policy's versions (create, make
default, delete), description, and the users, groups and roles it is attached to."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.pages.validation import check_policy, editor_verdict, refusal
from ramsts.console.policy_advice import fix_policy
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.policy import PolicyError
from ramsts.ram import attachments, policy_versions
from ramsts.ram import policies as ram_policies
from ramsts.ram.policies import (
    DescriptionChange,
    NewPolicy,
    PolicyDeletion,
    PolicyRef,
    checked_policy_type,
    policies_of_type,
)
from ramsts.ram.policy_versions import NewPolicyVersion, PolicyVersionRef

BLANK_TEMPLATE = """{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "",
      "Resource": ""
    }
  ]
}"""
POLICY_TYPES = ("All", "System", "Custom")


def list_policies(visit: Visit) -> Response:
    policy_type = visit.query("type") if visit.query("type") in POLICY_TYPES else "All"
    search = visit.query("q")
    of_type = None if policy_type == "All" else checked_policy_type(policy_type)
    found = visit.every(policies_of_type(of_type))
    if search:
        needle = search.lower()
        found = [
            p for p in found if needle in p.policy_name.lower() or needle in p.description.lower()
        ]
    return visit.render(
        "policies.html",
        policies=found,
        policy_type=policy_type,
        search=search,
        types=POLICY_TYPES,
    )


def new_policy(visit: Visit) -> Response:
    if visit.request.method == "GET":
        if visit.query("template") != "blank":
            return visit.render("policy_templates.html")
        return visit.render("policy_new.html", values={"PolicyDocument": BLANK_TEMPLATE})
    values = {
        "PolicyName": visit.field("PolicyName"),
        "Description": visit.field("Description"),
        "PolicyDocument": visit.field("PolicyDocument"),
    }
    held = _held_back(visit, values["PolicyDocument"])
    if held is not None:
        values["PolicyDocument"], verdict = held
        return visit.render("policy_new.html", values=values, verdict=verdict)
    try:
        new = NewPolicy(values["PolicyName"], values["PolicyDocument"], values["Description"])
        visit.act(ram_policies.create_policy, new)
    except RamstsError as error:
        return visit.render(
            "policy_new.html", status=error.http_status, values=values, **_refused(visit, error)
        )
    name = values["PolicyName"]
    return visit.redirect(f"/policies/Custom/{name}", notice=f"Policy {name} was created.")


def _held_back(visit: Visit, text: str) -> tuple[str, dict[str, Any]] | None:
    """The text to show again and its verdict, instead of saving it: after *Use
    sts:AssumeRole* (the fix written in, for review), or when the console has advice on it
    and the person has not chosen to save it anyway."""
    if visit.field("operation") == "fix":
        fixed = fix_policy(text)
        return fixed, editor_verdict(check_policy(fixed, "identity"), fixed)
    if visit.field("accept_warnings"):
        return None
    verdict = check_policy(text, "identity")
    return (text, verdict) if verdict.get("warnings") else None


def _refused(visit: Visit, error: RamstsError) -> dict[str, Any]:
    """How a page shows a refused document: a grammar error in the editor, at its place;
    anything else as the page's problem."""
    if isinstance(error, PolicyError):
        text = visit.field("PolicyDocument")
        return {"verdict": editor_verdict(refusal(text, error), text)}
    return {"problem": visit.problem(error)}


def policy_details(
    visit: Visit, policy_type: str = "Custom", *, status: int = 200, **extra: Any
) -> Response:
    """A policy's page; the forms that answer with it (new versions) are a custom policy's."""
    name = visit.path("name")
    wanted = PolicyRef(checked_policy_type(policy_type), name)
    found = visit.act(ram_policies.get_policy, wanted)
    policy = found.policy
    versions, versions_problem = visit.attempt_to(policy_versions.list_policy_versions, wanted)
    entities, entities_problem = visit.attempt_to(attachments.list_entities_for_policy, wanted)
    shown = visit.query("version") or policy.default_version
    document = found.default.policy_document
    if shown != policy.default_version:
        version = PolicyVersionRef(name, shown, wanted.policy_type)
        document = visit.act(policy_versions.get_policy_version, version).policy_document
    return visit.render(
        "policy.html",
        status=status,
        policy=policy,
        document=document,
        shown_version=shown,
        versions=versions or (),
        versions_problem=versions_problem,
        users=() if entities is None else entities.users,
        groups=() if entities is None else entities.groups,
        roles=() if entities is None else entities.roles,
        entities_problem=entities_problem,
        new_version_text=extra.pop("new_version_text", None),
        **extra,
    )


def show_policy(visit: Visit) -> Response:
    return policy_details(visit, visit.path("policy_type"))


def create_version(visit: Visit) -> Response:
    name, document = visit.path("name"), visit.field("PolicyDocument")
    set_as_default = bool(visit.field("SetAsDefault"))
    held = _held_back(visit, document)
    if held is not None:
        return policy_details(
            visit, new_version_text=held[0], verdict=held[1], set_as_default=set_as_default
        )
    try:
        new = NewPolicyVersion(name, document, set_as_default=set_as_default)
        created = visit.act(policy_versions.create_policy_version, new)
    except RamstsError as error:
        return policy_details(
            visit,
            status=error.http_status,
            new_version_text=document,
            set_as_default=set_as_default,
            **_refused(visit, error),
        )
    version = created.version_id
    return visit.redirect(
        f"/policies/Custom/{name}?version={version}", notice=f"Version {version} was created."
    )


def change_version(visit: Visit) -> Response:
    name, version = visit.path("name"), visit.path("version")
    wanted = PolicyVersionRef(name, version)
    if visit.field("operation") == "delete":
        visit.act(policy_versions.delete_policy_version, wanted)
        return visit.redirect(f"/policies/Custom/{name}", notice=f"Version {version} was deleted.")
    visit.act(policy_versions.set_default_policy_version, wanted)
    return visit.redirect(
        f"/policies/Custom/{name}?version={version}", notice=f"{version} is now the default."
    )


def update_description(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(
        ram_policies.update_policy_description,
        DescriptionChange(name, visit.field("Description")),
    )
    return visit.redirect(f"/policies/Custom/{name}", notice="The description was saved.")


def delete_policy(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(ram_policies.delete_policy, PolicyDeletion(name, cascading=True))
    return visit.redirect("/policies?type=Custom", notice=f"Policy {name} was deleted.")


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/policies", list_policies, ["GET"]),
        page("/policies/new", new_policy, ["GET", "POST"]),
        page("/policies/{policy_type}/{name}", show_policy, ["GET"]),
        page("/policies/Custom/{name}/versions", create_version, ["POST"]),
        page("/policies/Custom/{name}/versions/{version}", change_version, ["POST"]),
        page("/policies/Custom/{name}/description", update_description, ["POST"]),
        page("/policies/Custom/{name}/delete", delete_policy, ["POST"]),
    ]
