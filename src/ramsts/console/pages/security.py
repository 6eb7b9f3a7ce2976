"""Security settings of the account: the password policy (GetPasswordPolicy, SetPasswordPolicy)
and the security preference (GetSecurityPreference, SetSecurityPreference), one form each.

Each form sends every setting it shows, so what is saved is what the form showed — a box left
unticked is ``false``, an empty list of network masks clears them. The fields are named as the
API's parameters and read by the API's own readers, so the form refuses what the API would. A
refused or invalid save shows the page again with the values typed and the service's reason
beside that form.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.parameters import Parameters
from ramsts.ram import passwords, security_preference
from ramsts.ram.service import without_input

POLICY_NUMBERS = (
    "MinimumPasswordLength",
    "MaxPasswordAge",
    "PasswordReusePrevention",
    "MaxLoginAttemps",
)
POLICY_FLAGS = (
    "RequireLowercaseCharacters",
    "RequireUppercaseCharacters",
    "RequireNumbers",
    "RequireSymbols",
    "HardExpiry",
)
PREFERENCE_FLAGS = (
    "AllowUserToChangePassword",
    "EnableSaveMFATicket",
    "AllowUserToManageMFADevices",
    "AllowUserToManageAccessKeys",
    "AllowUserToManagePublicKeys",
)
PREFERENCE_TEXTS = ("LoginSessionDuration", "LoginNetworkMasks")
GET_PASSWORD_POLICY = without_input(passwords.get_password_policy)
GET_SECURITY_PREFERENCE = without_input(security_preference.get_security_preference)


def _submitted(visit: Visit, texts: tuple[str, ...], flags: tuple[str, ...]) -> dict[str, str]:
    values = {name: visit.field(name) for name in texts}
    values.update({name: "true" if visit.field(name) else "false" for name in flags})
    return values


def show(visit: Visit, **extra: Any) -> Response:
    status = int(extra.pop("status", 200))
    policy, policy_problem = visit.attempt_to(GET_PASSWORD_POLICY, None)
    preference, preference_problem = visit.attempt_to(GET_SECURITY_PREFERENCE, None)
    context: dict[str, Any] = {
        # The forms' fields are the settings' API names, and so are these values'.
        "policy": None if policy is None else policy.render(),
        "policy_problem": policy_problem,
        "preference": None if preference is None else preference.stored(),
        "preference_problem": preference_problem,
        "policy_numbers": POLICY_NUMBERS,
        **extra,
    }
    return visit.render("security.html", status=status, **context)


def set_password_policy(visit: Visit) -> Response:
    values = _submitted(visit, POLICY_NUMBERS, POLICY_FLAGS)
    try:
        changes = passwords.requested_password_policy(Parameters(values))
        visit.act(passwords.set_password_policy, changes)
    except RamstsError as error:
        typed = {name: value == "true" for name, value in values.items() if name in POLICY_FLAGS}
        return show(
            visit,
            status=error.http_status,
            policy_error=visit.problem(error),
            policy_typed={**values, **typed},
        )
    return visit.redirect("/security", notice="The password policy was saved.")


def set_security_preference(visit: Visit) -> Response:
    values = _submitted(visit, PREFERENCE_TEXTS, PREFERENCE_FLAGS)
    try:
        changes = security_preference.requested_security_preference(Parameters(values))
        visit.act(security_preference.set_security_preference, changes)
    except RamstsError as error:
        typed = {k: v == "true" for k, v in values.items() if k in PREFERENCE_FLAGS}
        return show(
            visit,
            status=error.http_status,
            preference_error=visit.problem(error),
            preference_typed={**values, **typed},
        )
    return visit.redirect("/security", notice="The security preference was saved.")


def routes(site: Site) -> list[BaseRoute]:
    return [
        Route("/security", signed_in_page(site, show), methods=["GET"]),
        Route(
            "/security/password-policy",
            signed_in_page(site, set_password_policy),
            methods=["POST"],
        ),
        Route(
            "/security/preference",
            signed_in_page(site, set_security_preference),
            methods=["POST"],
        ),
    ]
