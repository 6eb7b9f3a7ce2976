"""``/password``: a signed-in RAM user changes its own password (ChangePassword).

Whether users may do so is the account's security preference's to say
(``AllowUserToChangePassword``); a refusal shows the service's reason. The new password is
typed twice, since nobody can read it back, and it meets the password policy like any other.
Changing it ends every console session of the user, this one too: the user signs in again.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.sessions import anonymous_session
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ram.passwords import OwnPasswordChange, change_own_password
from ramsts.types import Secret


def change_password(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return visit.render("password.html")
    if visit.principal.identity_type != "RAMUser":
        return visit.render("password.html", status=400)
    new_password = visit.field("new_password")
    if new_password != visit.field("confirm_password"):
        return visit.render("password.html", status=400, error="The new passwords differ.")
    try:
        change = OwnPasswordChange(Secret(visit.field("old_password")), Secret(new_password))
        visit.act(change_own_password, change)
    except RamstsError as error:
        return visit.render("password.html", status=error.http_status, problem=visit.problem(error))
    # As on the real console, a new password signs the user out of every session, this one
    # included (the store no longer holds the password it signed in with).
    visit.new_session = anonymous_session(visit.site.clock())
    return visit.redirect("/signin", notice="Your password was changed. Sign in with it.")


def routes(site: Site) -> list[BaseRoute]:
    return [Route("/password", signed_in_page(site, change_password), methods=["GET", "POST"])]
