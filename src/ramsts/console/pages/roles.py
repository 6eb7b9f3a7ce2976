"""Roles: the list, the Create Role wizard, and a role's details — ARN, trust policy editor,
permissions with the Authorize dialog.

The wizard follows the real console (and the user's guide, step 1): choose the trusted entity
type (*User Role*: RAM users of an Alibaba Cloud account assume it; *Service Role*: a cloud
service does; *IdP Role*: users of an OIDC or SAML identity provider do, by AssumeRoleWithOIDC or
AssumeRoleWithSAML), then the trusted account (the current one by default), service or identity
provider, then name, description and MaxSessionDuration, then *Create*. The trust policy it
writes is the console's documented one (spec api.md §9.7); for an OIDC provider it names the
issuer and the client id the tokens must carry (``oidc:iss``, ``oidc:aud``, and ``oidc:sub`` if
given), as the real console's RRSA roles do. A SAML provider's role gets no ``saml:recipient``
condition: the server checks an assertion's Recipient against the URLs it accepts itself, and
those are its operator's to configure. The wizard's earlier answers ride along in hidden fields,
so it keeps no state on the server.
"""

from __future__ import annotations

import json
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
from ramsts.console.pages.validation import editor_verdict, refusal
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import MissingParameter, RamstsError
from ramsts.ims.oidc_providers import get_oidc_provider, list_oidc_providers
from ramsts.ims.saml_providers import list_saml_providers
from ramsts.parameters import checked_integer
from ramsts.policy import PolicyError
from ramsts.ram import last_use, roles
from ramsts.ram.arns import root_arn
from ramsts.ram.roles import MAX_SESSION_DURATION, MIN_SESSION_DURATION, NewRole, RoleChange

WIZARD_FIELDS = (
    "entity_type",
    "trusted",
    "other_account",
    "service",
    "provider",
    "client_id",
    "subject",
    "RoleName",
    "Description",
    "MaxSessionDuration",
)
SERVICES = (
    "ecs.aliyuncs.com",
    "fc.aliyuncs.com",
    "oss.aliyuncs.com",
    "log.aliyuncs.com",
    "apigateway.aliyuncs.com",
    "actiontrail.aliyuncs.com",
)


PRINCIPAL_KEYS = {"account": "RAM", "service": "Service", "idp": "Federated"}


def trust_policy(entity_type: str, principal: str, conditions: dict[str, str] | None = None) -> str:
    """The trust policy of a new role: a RAM account's root (any of its users or roles that is
    itself allowed ``sts:AssumeRole``), a cloud service, or an identity provider's users (whose
    tokens meet ``conditions``) may assume it."""
    statement: dict[str, Any] = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {PRINCIPAL_KEYS[entity_type]: [principal]},
    }
    if conditions:
        statement["Condition"] = {"StringEquals": conditions}
    return json.dumps({"Statement": [statement], "Version": "1"}, indent=2)


def identity_providers(visit: Visit) -> list[dict[str, str]]:
    """The account's OIDC and SAML providers the caller may list, for the wizard to trust."""
    found = [
        {"arn": p.arn, "name": p.provider_name, "kind": "OIDC"}
        for p in visit.every(list_oidc_providers)
    ]
    found += [
        {"arn": p.arn, "name": p.provider_name, "kind": "SAML"}
        for p in visit.every(list_saml_providers)
    ]
    return found


def _idp_conditions(visit: Visit, values: dict[str, str]) -> dict[str, str] | None:
    """What an OIDC provider's tokens must say to assume the role; ``None`` for SAML."""
    provider = values["provider"]
    if not provider:
        raise MissingParameter("Provider", "Choose the identity provider the role trusts.")
    if ":oidc-provider/" not in provider:
        return None
    name = provider.rsplit("/", 1)[1]
    found = visit.act(get_oidc_provider, name)
    if not values["client_id"]:
        raise MissingParameter(
            "ClientId", "Choose the client id (oidc:aud) the role's tokens must be issued to."
        )
    conditions = {"oidc:iss": found.issuer_url, "oidc:aud": values["client_id"]}
    if values["subject"]:
        conditions["oidc:sub"] = values["subject"]
    return conditions


def list_roles(visit: Visit) -> Response:
    return visit.render("roles.html", roles=visit.every(roles.roles_page))


def new_role(visit: Visit) -> Response:
    values = {name: visit.field(name) for name in WIZARD_FIELDS}
    if values["entity_type"] not in PRINCIPAL_KEYS:
        values["entity_type"] = "account"
    values["trusted"] = values["trusted"] or "current"
    step = visit.field("step") if visit.request.method == "POST" else ""
    context: dict[str, Any] = {"values": values, "services": SERVICES}
    if step == "type":
        if values["entity_type"] == "idp":
            try:
                context["providers"] = identity_providers(visit)
            except RamstsError as error:
                context["providers"], context["problem"] = [], visit.problem(error)
        return visit.render("role_new.html", step="entity", **context)
    if step == "entity":
        if values["entity_type"] == "idp":
            try:
                _idp_conditions(visit, values)
            except RamstsError as error:
                context["providers"] = identity_providers(visit)
                return visit.render(
                    "role_new.html",
                    step="entity",
                    status=error.http_status,
                    problem=visit.problem(error),
                    **context,
                )
        return visit.render("role_new.html", step="details", **context)
    if step != "details":
        return visit.render("role_new.html", step="type", **context)
    conditions = None
    if values["entity_type"] == "service":
        principal = values["service"]
    elif values["entity_type"] == "idp":
        principal = values["provider"]
    elif values["trusted"] == "other":
        principal = root_arn(values["other_account"])
    else:
        principal = root_arn(visit.principal.account_id)
    try:
        if values["entity_type"] == "idp":
            conditions = _idp_conditions(visit, values)
        new = NewRole(
            role_name=values["RoleName"],
            assume_role_policy_document=trust_policy(values["entity_type"], principal, conditions),
            description=values["Description"],
            max_session_duration=_session_duration("MaxSessionDuration", values)
            or MIN_SESSION_DURATION,
        )
        created = visit.act(roles.create_role, new)
    except RamstsError as error:
        return visit.render(
            "role_new.html",
            step="details",
            status=error.http_status,
            problem=visit.problem(error),
            **context,
        )
    return visit.render("role_created.html", role=created)


def role_details(visit: Visit, *, status: int = 200, **extra: Any) -> Response:
    name = visit.path("name")
    role = visit.act(roles.get_role, name)
    last_used, last_used_problem = visit.attempt_to(last_use.get_role_last_used, name)
    attached, policies_problem = attached_policies(visit, "Role", name)
    available, available_problem = [], None
    try:
        available = available_policies(visit, attached)
    except RamstsError as error:
        available_problem = visit.problem(error)
    context = {
        "role": role,
        "role_last_used": last_used,
        "role_last_used_known": last_used_problem is None,
        "policies": attached,
        "policies_problem": policies_problem,
        "available": available,
        "available_problem": available_problem,
        "authorize_open": bool(visit.query("authorize")),
        "trust_text": extra.pop("trust_text", None),
        **extra,
    }
    return visit.render("role.html", status=status, **context)


def show_role(visit: Visit) -> Response:
    return role_details(visit)


def authorize_role(visit: Visit) -> Response:
    name = visit.path("name")
    attached, problems = attach_selected(visit, "Role", name)
    if problems:
        return role_details(visit, status=problems[0].http_status, problem=problems[0])
    return visit.redirect(f"/roles/{name}", notice=attach_outcome(attached))


def detach_from_role(visit: Visit) -> Response:
    name = visit.path("name")
    policy_name = detach_one(visit, "Role", name)
    return visit.redirect(f"/roles/{name}", notice=f"Detached {policy_name} from {name}.")


def update_trust_policy(visit: Visit) -> Response:
    name, document = visit.path("name"), visit.field("AssumeRolePolicyDocument")
    try:
        visit.act(roles.update_role, RoleChange(name, new_assume_role_policy_document=document))
    except PolicyError as error:
        verdict = editor_verdict(refusal(document, error), document)
        return role_details(
            visit, status=error.http_status, trust_verdict=verdict, trust_text=document
        )
    except RamstsError as error:
        return role_details(
            visit, status=error.http_status, trust_problem=visit.problem(error), trust_text=document
        )
    return visit.redirect(f"/roles/{name}", notice="The trust policy was saved.")


def update_role(visit: Visit) -> Response:
    name = visit.path("name")
    change = RoleChange(
        name,
        new_description=visit.field("Description") or None,
        new_max_session_duration=_session_duration(
            "NewMaxSessionDuration", {"NewMaxSessionDuration": visit.field("MaxSessionDuration")}
        ),
    )
    visit.act(roles.update_role, change)
    return visit.redirect(f"/roles/{name}", notice=f"Role {name} was saved.")


def delete_role(visit: Visit) -> Response:
    name = visit.path("name")
    visit.act(roles.delete_role, name)
    return visit.redirect("/roles", notice=f"Role {name} was deleted.")


def _session_duration(name: str, fields: dict[str, str]) -> int | None:
    """The form's session duration as the API reads ``name`` (``None``: left empty)."""
    text = fields.get(name, "")
    if not text:
        return None
    return checked_integer(name, text, minimum=MIN_SESSION_DURATION, maximum=MAX_SESSION_DURATION)


def routes(site: Site) -> list[BaseRoute]:
    def page(path: str, handler: Any, methods: list[str]) -> Route:
        return Route(path, signed_in_page(site, handler), methods=methods)

    return [
        page("/roles", list_roles, ["GET"]),
        page("/roles/new", new_role, ["GET", "POST"]),
        page("/roles/{name}", show_role, ["GET"]),
        page("/roles/{name}/policies", authorize_role, ["POST"]),
        page("/roles/{name}/policies/detach", detach_from_role, ["POST"]),
        page("/roles/{name}/trust-policy", update_trust_policy, ["POST"]),
        page("/roles/{name}/settings", update_role, ["POST"]),
        page("/roles/{name}/delete", delete_role, ["POST"]),
    ]
