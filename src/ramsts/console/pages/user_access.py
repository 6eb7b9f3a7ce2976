"""A user's sign-in on the user's page: console access (the login profile) and its virtual MFA
device.

A new device's key is rendered into the one response that created it, like a new AccessKey
secret (never a redirect, a cookie or a log), beside the form that binds it with two
consecutive codes. A refused or failed call shows the user's page again with the service's
reason, so the person stays where the form was.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.console.pages.users import user_details
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.ram import login_profiles, mfa
from ramsts.ram.login_profiles import LoginProfileChange, NewLoginProfile
from ramsts.ram.mfa import MfaBinding, qr_code_png
from ramsts.types import Secret


def _again(visit: Visit, error: RamstsError, **extra: Any) -> Response:
    """The user's page with ``error`` shown, answering the form that caused it."""
    return user_details(visit, problem=visit.problem(error), status=error.http_status, **extra)


def change_login_profile(visit: Visit) -> Response:
    name = visit.path("name")
    operation = visit.field("operation")
    password = visit.field("Password")
    reset_required = bool(visit.field("PasswordResetRequired"))
    mfa_bind_required = bool(visit.field("MFABindRequired"))
    try:
        if operation == "delete":
            visit.act(login_profiles.delete_login_profile, name)
            return visit.redirect(f"/users/{name}", notice="Console access was removed.")
        if operation == "create":
            new = NewLoginProfile(name, Secret(password), reset_required, mfa_bind_required)
            visit.act(login_profiles.create_login_profile, new)
        else:
            # An empty password field keeps the password; the two settings are as ticked.
            change = LoginProfileChange(
                name, Secret(password) if password else None, reset_required, mfa_bind_required
            )
            visit.act(login_profiles.update_login_profile, change)
    except RamstsError as error:
        return _again(visit, error)
    return visit.redirect(f"/users/{name}", notice="The login profile was saved.")


def change_mfa(visit: Visit) -> Response:
    name = visit.path("name")
    operation = visit.field("operation")
    serial_number = visit.field("SerialNumber")
    try:
        if operation == "create":
            created = visit.act(mfa.create_virtual_mfa_device, visit.field("VirtualMFADeviceName"))
            # The key goes into this one response, never a redirect.
            qr = qr_code_png(created.otpauth_uri.reveal())
            return user_details(
                visit, new_device=created, new_device_qr=qr, binding=created.serial_number
            )
        if operation == "bind":
            codes = (visit.field("code1"), visit.field("code2"))
            visit.act(mfa.bind_mfa_device, MfaBinding(serial_number, name, *codes))
            notice = f"The MFA device {serial_number} is bound to {name}."
        elif operation == "unbind":
            unbound = visit.act(mfa.unbind_mfa_device, name).device.serial_number
            notice = f"The MFA device {unbound} was unbound; it is listed below until deleted."
        else:
            visit.act(mfa.delete_virtual_mfa_device, serial_number)
            notice = f"The MFA device {serial_number} was deleted."
    except RamstsError as error:
        # A failed bind keeps its form, so the person can try the next two codes.
        return _again(visit, error, binding=serial_number if operation == "bind" else "")
    return visit.redirect(f"/users/{name}", notice=notice)


def routes(site: Site) -> list[BaseRoute]:
    return [
        Route(
            "/users/{name}/login-profile",
            signed_in_page(site, change_login_profile),
            methods=["POST"],
        ),
        Route("/users/{name}/mfa", signed_in_page(site, change_mfa), methods=["POST"]),
    ]
