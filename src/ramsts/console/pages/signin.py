"""Signing in and out: the password form, the MFA code step, binding a device when the login
profile requires one, the forced password change.

The login name says who signs in, as on the real console: ``<account id or alias>`` for an
account's root, ``<user>@<account id or alias>`` for a RAM user (the ``.onaliyun.com`` suffix of
a user principal name is accepted too). Every check — password, lockout, allowed networks, MFA,
password age — is :class:`~ramsts.ram.sign_in.SignInService`'s; this module only moves the
browser from step to step and tells the person what happened, never which part of a wrong
login was wrong. Between steps the session carries the service's single-use ticket, never the
password.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.principal import session_caller
from ramsts.console.sessions import (
    STEP_LIFETIME,
    Session,
    Stage,
    advanced,
    anonymous_session,
)
from ramsts.console.site import Site
from ramsts.console.trail import record_sign_in, record_sign_out
from ramsts.console.visits import Visit, signed_in_page, step_page
from ramsts.errors import RamstsError
from ramsts.ram.passwords import OwnPasswordChange, change_own_password
from ramsts.ram.sign_in import MfaEnrolment, SignInResult
from ramsts.types import Secret

UPN_SUFFIX = ".onaliyun.com"
REFUSED_STATUS = {
    "Locked": 429,
    "NetworkDenied": 403,
    "PasswordExpired": 403,
    "MFABindRequired": 403,
}
NO_SELF_BINDING = (
    " The account's security preference does not let users bind their own MFA devices;"
    " ask an administrator to bind one for you."
)


def split_login_name(login_name: str) -> tuple[str, str | None]:
    """``alice@acme`` → (``acme``, ``alice``); ``acme`` → (``acme``, ``None``: the root)."""
    user, at, account = login_name.strip().rpartition("@")
    if not at:
        return account, None
    if account.endswith(UPN_SUFFIX):
        account = account[: -len(UPN_SUFFIX)]
    return account, user


def sign_in_form(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return visit.render("signin.html", login_name="", next=visit.query("next"))
    login_name = visit.field("login_name")
    account, user_name = split_login_name(login_name)
    result = visit.site.sign_in.sign_in(
        account,
        user_name,
        Secret(visit.field("password")),
        source_ip=_peer(visit),
        remembered_mfa=visit.site.cookies.remembered_mfa(visit.request),
    )
    return _follow(visit, result, login_name)


def mfa_step(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return visit.render("signin_mfa.html")
    result = visit.site.sign_in.confirm_mfa(
        visit.session.ticket,
        visit.field("code"),
        source_ip=_peer(visit),
        remember=visit.session.remember_offered and visit.field("remember_device") == "1",
    )
    if result.outcome == "InvalidMFACode":
        return visit.render("signin_mfa.html", status=401, error=result.message)
    response = _follow(visit, result, "")
    if result.remembered_mfa:
        visit.site.cookies.set_remembered_mfa(response, visit.request, result.remembered_mfa)
    return response


def bind_step(visit: Visit) -> Response:
    """A user whose login profile requires MFA and who has no device binds one: the page shows
    a new key once (a QR code and its base32 text), then takes two consecutive codes. Asking
    for a new key replaces the one shown; nothing is stored until the codes are right."""
    if visit.request.method == "GET" or visit.field("operation") == "new-key":
        enrolment = visit.site.sign_in.begin_mfa_binding(visit.session.ticket)
        if enrolment is None:
            return _follow(visit, SignInResult("SignInExpired"), "")
        return _show_key(visit, enrolment)
    result = visit.site.sign_in.confirm_mfa_binding(
        visit.session.ticket,
        visit.field("code1"),
        visit.field("code2"),
        source_ip=_peer(visit),
    )
    if result.outcome == "InvalidMFACode":
        error = "These are not two consecutive codes of the new key."
        return visit.render("signin_bind.html", status=401, error=error)
    return _follow(visit, result, "")


def _show_key(visit: Visit, enrolment: MfaEnrolment) -> Response:
    visit.new_session = replace(visit.session, ticket=enrolment.ticket)
    return visit.render("signin_bind.html", enrolment=enrolment)


def password_step(visit: Visit) -> Response:
    """A RAM user whose password must change sets a new one: ChangePassword as that user (it
    proves the current password again), then a fresh sign-in with the new one."""
    if visit.request.method == "GET":
        return visit.render("signin_password.html")
    new_password = visit.field("new_password")
    if new_password != visit.field("confirm_password"):
        return visit.render("signin_password.html", status=400, error="The passwords differ.")
    session = visit.session
    caller = session_caller(
        session,
        peer_ip=_peer(visit),
        secure=visit.request.url.scheme == "https",
        user_agent=visit.request.headers.get("user-agent", ""),
        now=visit.site.clock(),
    )
    try:
        change = OwnPasswordChange(Secret(visit.field("old_password")), Secret(new_password))
        change_own_password(visit.site.ram, caller, change)
    except RamstsError as error:
        return visit.render("signin_password.html", status=error.http_status, error=error.message)
    result = visit.site.sign_in.sign_in(
        session.account_id, session.user_name, Secret(new_password), source_ip=_peer(visit)
    )
    return _follow(visit, result, "")


def sign_out(visit: Visit) -> Response:
    record_sign_out(visit)
    visit.new_session = anonymous_session(visit.site.clock())
    return visit.redirect("/signin", notice="You have signed out.")


def _follow(visit: Visit, result: SignInResult, login_name: str) -> Response:
    """The next step of a sign-in after ``result``."""
    now = visit.site.clock()
    user = result.user
    known = replace(
        visit.session,
        account_id=result.account_id or "",
        identity_type="Account" if user is None else "RAMUser",
        user_id="" if user is None else user.user_id,
        user_name="" if user is None else user.user_name,
        ticket="",
        remember_offered=False,
        credential="",
        issued_at=0,
    )
    if result.signed_in:
        record_sign_in(
            visit,
            login_name=login_name,
            account_id=result.account_id,
            mfa_used=result.mfa_verified,
        )
        lifetime = result.session_duration or timedelta(hours=1)
        signed_in = _moved(known, "signed-in", now, lifetime, mfa=result.mfa_verified)
        visit.new_session = replace(
            signed_in, credential=result.credential, issued_at=int(now.timestamp())
        )
        return visit.redirect(_next_path(visit), notice=f"Welcome, {_who(known)}.")
    if result.outcome == "MFARequired":
        step = _moved(known, "mfa", now, STEP_LIFETIME)
        visit.new_session = replace(
            step, ticket=result.ticket, remember_offered=result.may_remember_mfa
        )
        return visit.redirect("/signin/mfa")
    if result.outcome == "MFABindRequired" and result.ticket:
        step = _moved(known, "mfa-bind", now, STEP_LIFETIME)
        visit.new_session = replace(step, ticket=result.ticket)
        return visit.redirect("/signin/mfa-bind")
    if result.outcome == "PasswordChangeRequired":
        visit.new_session = _moved(known, "change-password", now, STEP_LIFETIME)
        return visit.redirect("/signin/password")
    # Refused: back to a plain anonymous session, whatever step this was.
    named, _ = split_login_name(login_name)
    record_sign_in(
        visit,
        login_name=login_name,
        # A refusal does not say whose account it was; a name that is an account id does (an
        # alias alone leaves it unknown: such a refusal has no trail to go on).
        account_id=result.account_id or (named if named.isdigit() else None),
        mfa_used=False,
        error=(result.outcome, result.message),
    )
    visit.new_session = anonymous_session(now)
    status = REFUSED_STATUS.get(result.outcome, 401)
    message = result.message
    if result.outcome == "MFABindRequired":
        message += NO_SELF_BINDING
    return visit.render(
        "signin.html",
        status=status,
        login_name=login_name,
        next="",
        error=message,
        outcome=result.outcome,
    )


def _moved(
    session: Session, stage: Stage, now: datetime, lifetime: timedelta, *, mfa: bool = False
) -> Session:
    return replace(advanced(session, stage, now, lifetime), mfa_present=mfa)


def _who(session: Session) -> str:
    if session.identity_type == "Account":
        return f"root of {session.account_id}"
    return session.user_name


def _next_path(visit: Visit) -> str:
    """Where the person was going before sign-in: a console page, never another site."""
    target = visit.field("next") or visit.query("next")
    base = visit.base
    if target.startswith(base + "/") and not target.startswith("//") and "\\" not in target:
        return target[len(base) :]
    return "/"


def _peer(visit: Visit) -> str:
    client = visit.request.client
    return client.host if client else ""


def routes(site: Site) -> list[BaseRoute]:
    return [
        Route(
            "/signin",
            step_page(site, ("anonymous", "mfa", "mfa-bind", "change-password"), sign_in_form),
            methods=["GET", "POST"],
        ),
        Route("/signin/mfa", step_page(site, ("mfa",), mfa_step), methods=["GET", "POST"]),
        Route(
            "/signin/mfa-bind", step_page(site, ("mfa-bind",), bind_step), methods=["GET", "POST"]
        ),
        Route(
            "/signin/password",
            step_page(site, ("change-password",), password_step),
            methods=["GET", "POST"],
        ),
        Route("/signout", signed_in_page(site, sign_out), methods=["POST"]),
    ]
