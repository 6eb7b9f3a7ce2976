"""The console under test: its server and account, and an HTTP client that behaves like a
browser's forms (cookies kept, each form's CSRF token sent back)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from ramsts.caller import Caller
from ramsts.testing import RamstsServer

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class ConsoleSite:
    """A running server, and the account the console tests sign in to."""

    server: RamstsServer
    account_id: str
    root_password: str

    @property
    def url(self) -> str:
        return f"{self.server.url}/console"

    def ram(self, action: str, **params: str) -> Any:
        """Arrange state as the account's root, through the same actions the console calls."""
        return self._as_root("2015-05-01", action, params)

    def ims(self, action: str, **params: str) -> Any:
        """As :meth:`ram`, for Ims's identity providers."""
        return self._as_root("2019-08-15", action, params)

    def _as_root(self, version: str, action: str, params: dict[str, str]) -> Any:
        caller = Caller(
            account_id=self.account_id,
            identity_type="Account",
            arn=f"acs:ram::{self.account_id}:root",
            principal_id=self.account_id,
            access_key_id="",
            display_name=self.account_id,
        )
        return self.server.services.actions.resolve(version, action).handler(caller, params)

    def administrator(self, name: str, password: str, *actions: str) -> str:
        """A RAM user allowed ``actions`` (and nothing else) on every resource, with console
        access by ``password``; its sign-in name."""
        statement = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
        document = json.dumps({"Version": "1", "Statement": [statement]})
        self.ram("CreatePolicy", PolicyName=f"{name}-policy", PolicyDocument=document)
        self.ram("CreateUser", UserName=name)
        self.ram("CreateLoginProfile", UserName=name, Password=password)
        self.ram(
            "AttachPolicyToUser", UserName=name, PolicyType="Custom", PolicyName=f"{name}-policy"
        )
        return f"{name}@{self.account_id}"

    def create_role(self, name: str) -> dict[str, Any]:
        """A role another account's root may assume; its trust policy, as a document."""
        trust = {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": ["acs:ram::1234567890123456:root"]},
                }
            ],
        }
        self.ram("CreateRole", RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        return trust


class ConsoleClient:
    """A cookie-keeping HTTP client that fills in each form's CSRF token as a browser would."""

    def __init__(self, site: ConsoleSite) -> None:
        self.site = site
        self.http = httpx.Client(base_url=site.server.url, follow_redirects=True, timeout=10)
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self._keep_token(self.http.get(f"/console{path}", **kwargs))

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self._keep_token(
            self.http.post(f"/console{path}", data={"csrf_token": self.csrf, **data}, **kwargs)
        )

    def sign_in(self, login_name: str, password: str) -> httpx.Response:
        self.get("/signin")
        return self.post("/signin", {"login_name": login_name, "password": password})

    def _keep_token(self, response: httpx.Response) -> httpx.Response:
        found = CSRF_FIELD.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response


def sign_in_browser(page: Any, site: ConsoleSite, login_name: str, password: str) -> None:
    """Sign in on the console's sign-in page as a person would, in a Playwright ``page``."""
    page.goto(f"{site.url}/")
    page.get_by_label("Account or user").fill(login_name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def nav(page: Any, section: str) -> None:
    """Open ``section`` from the console's navigation, as a person clicks it."""
    page.get_by_role("navigation", name="Console sections").get_by_role(
        "link", name=section, exact=True
    ).click()
