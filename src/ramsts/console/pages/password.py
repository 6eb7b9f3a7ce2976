"""``/password``: a signed-in RAM user changes its own password (ChangePassword).

Whether users may do so is the account's security preference's to say
(``AllowUserToChangePassword``); a refusal shows the service's reason. The new password is
typed twice, since nobody can read it back, and it meets the password policy like any other.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError


def change_password(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return visit.render("password.html")
    if visit.principal.identity_type != "RAMUser":
        return visit.render("password.html", status=400)
    new_password = visit.field("new_password")
    if new_password != visit.field("confirm_password"):
        return visit.render("password.html", status=400, error="The new passwords differ.")
    try:
        visit.run(
            "ChangePassword", OldPassword=visit.field("old_password"), NewPassword=new_password
        )
    except RamstsError as error:
        return visit.render("password.html", status=error.http_status, problem=visit.problem(error))
    return visit.redirect("/", notice="Your password was changed.")


def routes(site: Site) -> list[BaseRoute]:
    return [Route("/password", signed_in_page(site, change_password), methods=["GET", "POST"])]
