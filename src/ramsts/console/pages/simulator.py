"""The policy simulator: would this user or role be allowed this action on this resource, with
these condition keys — and which statement decides?

The question is answered by the same authorizer that guards every action, over the simulated
principal's policies in force (a user's own and its groups', a role's). Seeing the answer shows
what those policies say, so the signed-in principal must be allowed to read them: the page first
runs ``Get<User|Role>`` and ``ListPoliciesFor<User|Role>`` as the signed-in principal, and a
refusal there is the page's answer. The form is a GET: asking changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.caller import Caller
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.policy import DecidingStatement, Decision
from ramsts.ram import attachments, roles, users
from ramsts.ram.attachments import PrincipalRef
from ramsts.ram.listing import MOST_ITEMS, Listing
from ramsts.ram.policies import PolicyRef, get_policy
from ramsts.signing.timestamps import format_timestamp
from ramsts.store import PolicyType, PrincipalType, Role, User

SESSION_NAME = "policy-simulator"


def parse_context(text: str) -> dict[str, str | list[str]]:
    """``key=value`` lines; a key given twice collects a list (multi-valued condition keys)."""
    context: dict[str, str | list[str]] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            continue
        known = context.get(key)
        if known is None:
            context[key] = value
        else:
            context[key] = [*([known] if isinstance(known, str) else known), value]
    return context


def simulate(visit: Visit) -> Response:
    form = {
        "principal_type": visit.query("principal_type") or "User",
        "principal_name": visit.query("principal_name"),
        "action": visit.query("action"),
        "resource": visit.query("resource") or "*",
        "context": visit.request.query_params.get("context", ""),
    }
    users_page, _ = visit.attempt_to(users.list_users, Listing(max_items=MOST_ITEMS))
    roles_page, _ = visit.attempt_to(roles.roles_page, Listing(max_items=MOST_ITEMS))
    context: dict[str, Any] = {
        "form": form,
        "users": [u.user_name for u in users_page.items] if users_page else [],
        "roles": [r.role_name for r in roles_page.items] if roles_page else [],
    }
    if form["principal_name"] and form["action"]:
        try:
            context |= _decide(visit, form)
        except RamstsError as error:
            return visit.render(
                "simulator.html", status=error.http_status, problem=visit.problem(error), **context
            )
    return visit.render("simulator.html", **context)


def _decide(visit: Visit, form: dict[str, str]) -> dict[str, Any]:
    kind: PrincipalType = "Role" if form["principal_type"] == "Role" else "User"
    name = form["principal_name"]
    found: User | Role = (
        visit.act(users.get_user, name) if kind == "User" else visit.act(roles.get_role, name)
    )
    attached = visit.act(attachments.list_policies_for, PrincipalRef(kind, name))
    simulated = _simulated_caller(visit, found)
    decision = visit.site.ram.authorizer.decide(
        simulated, form["action"], form["resource"], parse_context(form["context"])
    )
    types = {a.policy.policy_name: a.policy.policy_type for a in attached}
    return {
        "decision": decision,
        "simulated": simulated,
        "statements": [_statement_text(visit, s, types) for s in decision.statements],
        "explanation": _explain(decision),
    }


def _simulated_caller(visit: Visit, found: User | Role) -> Caller:
    """The simulated principal: the user as stored, or a session of the role."""
    account_id = visit.principal.account_id
    context = {"acs:CurrentTime": format_timestamp(visit.site.clock()), "acs:MFAPresent": "false"}
    if isinstance(found, User):
        return Caller(
            account_id=account_id,
            identity_type="RAMUser",
            arn=found.arn,
            principal_id=found.user_id,
            access_key_id="",
            display_name=found.user_name,
            user_id=found.user_id,
            user_name=found.user_name,
            context=context,
        )
    role_name = found.role_name
    return Caller(
        account_id=account_id,
        identity_type="AssumedRoleUser",
        arn=f"acs:ram::{account_id}:assumed-role/{role_name}/{SESSION_NAME}",
        principal_id=f"{found.role_id}:{SESSION_NAME}",
        access_key_id="",
        display_name=f"{role_name}/{SESSION_NAME}",
        role_id=found.role_id,
        role_name=role_name,
        session_name=SESSION_NAME,
        context=context,
    )


def _statement_text(
    visit: Visit, statement: DecidingStatement, types: dict[str, PolicyType]
) -> dict[str, Any]:
    """The deciding statement with its JSON, when the signed-in principal may read its policy
    (a group's policy is not in the user's own list, so both types are tried)."""
    name = str(statement.policy)
    shown: dict[str, Any] = {"policy": name, "index": statement.statement, "sid": statement.sid}
    shown["effect"] = statement.effect
    tried: list[PolicyType] = [types[name]] if name in types else ["Custom", "System"]
    for policy_type in tried:
        try:
            found = visit.act(get_policy, PolicyRef(policy_type, name))
        except RamstsError:
            continue
        document = json.loads(found.default.policy_document)
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        if 0 <= statement.statement < len(statements):
            shown["json"] = json.dumps(statements[statement.statement], indent=2)
        shown["policy_type"] = policy_type
        break
    return shown


def _explain(decision: Decision) -> str:
    if decision.effect == "Allow":
        return "Allowed by the statements below."
    if decision.effect == "ExplicitDeny":
        return "Refused by an explicit Deny: a Deny always wins over any Allow."
    return "Refused: no statement of the policies in force allows this request (implicit deny)."


def routes(site: Site) -> list[BaseRoute]:
    return [Route("/simulator", signed_in_page(site, simulate), methods=["GET"])]
