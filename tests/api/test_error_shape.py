"""The error envelope, pinned: one error of each family through the real app, in JSON and XML.

Clients parse this shape (Tea reads ``Code``, ``Message``, ``Recommend``, ``AccessDeniedDetail``;
the classic SDK ``Code`` and ``Message``; both print ``RequestId``), so any change to it is a
change to the wire and must show up here first (docs/errors.md).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from ramsts.caller import Caller
from ramsts.cli.demo import demo_action_modules
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import Services, build_services, create_server_app
from ramsts.signing import sign_rpc_v1
from ramsts.types import Secret

pytestmark = pytest.mark.xdist_group("error-shape")

RAM, STS = "2015-05-01", "2015-04-01"
REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")
JSON_TYPE = "application/json;charset=utf-8"
XML_TYPE = "text/xml;charset=utf-8"
ENVELOPE = ["RequestId", "HostId", "Code", "Message", "Recommend"]
DENIED_DETAIL = {
    "AuthAction",
    "AuthPrincipalType",
    "AuthPrincipalDisplayName",
    "AuthPrincipalOwnerId",
    "NoPermissionType",
    "PolicyType",
    "EncodedDiagnosticMessage",
}


@dataclass
class Server:
    portal: BlockingPortal
    client: httpx.AsyncClient
    keys: dict[str, tuple[str, str]]
    """"root" and "nobody" (a RAM user without policies): (AccessKeyId, secret)."""

    def send(
        self, version: str, action: str, params: dict[str, str], *, key: str = "root", **how: str
    ) -> httpx.Response:
        key_id, secret = self.keys[key]
        query = {"Action": action, "Version": version, "Format": how.get("fmt", "JSON")}
        signed = sign_rpc_v1("POST", query, key_id, Secret(how.get("secret", secret)), form=params)

        async def post() -> httpx.Response:
            return await self.client.post(
                f"/?{signed.query}", headers=dict(signed.headers), content=signed.body
            )

        return self.portal.call(post)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir: Path = tmp_path_factory.mktemp("shape")
    services: Services = build_services(
        Settings(db_url=f"sqlite:///{data_dir / 'ramsts.db'}", data_dir=data_dir),
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
        action_modules=demo_action_modules(),
    )
    created = services.accounts.create_account("acme")
    root = Caller(
        account_id=created.account_id,
        identity_type="Account",
        arn=f"acs:ram::{created.account_id}:root",
        principal_id=created.account_id,
        access_key_id=created.access_key_id,
        display_name=created.account_id,
    )

    def call(action: str, **params: str) -> dict[str, Any]:
        return services.actions.resolve(RAM, action).handler(root, params)

    call("CreateUser", UserName="nobody")
    key = call("CreateAccessKey", UserName="nobody")["AccessKey"]
    call("CreateAccessKey", UserName="nobody")  # the second of two: the next one is over
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_server_app(services)),
        base_url="http://ramsts.example:8080",
    )
    try:
        with start_blocking_portal() as portal:
            yield Server(
                portal,
                client,
                {
                    "root": (created.access_key_id, created.access_key_secret.reveal()),
                    "nobody": (key["AccessKeyId"], key["AccessKeySecret"]),
                },
            )
    finally:
        services.close()


TRUST_WITHOUT_STATEMENT = json.dumps({"Version": "1", "Statement": "allow everyone"})


@dataclass(frozen=True)
class Case:
    family: str
    version: str
    action: str
    params: dict[str, str]
    code: str
    status: int
    host_id: str
    product: str | None
    key: str = "root"
    secret: str | None = None


CASES = [
    Case("InvalidParameter", RAM, "GetUser", {"UserName": "no spaces"},
         "InvalidParameter.UserName.InvalidChars", 400, "ram.aliyuncs.com", "Ram"),
    Case("MissingParameter", RAM, "GetUser", {},
         "MissingParameter", 400, "ram.aliyuncs.com", "Ram"),
    Case("MissingParameter (STS)", STS, "AssumeRole", {"RoleSessionName": "s1"},
         "MissingParameter.RoleArn", 400, "sts.aliyuncs.com", "Sts"),
    Case("MalformedPolicyDocument", RAM, "CreateRole",
         {"RoleName": "r", "AssumeRolePolicyDocument": TRUST_WITHOUT_STATEMENT},
         "MalformedPolicyDocument", 400, "ram.aliyuncs.com", "Ram"),
    Case("EntityNotExist", RAM, "GetRole", {"RoleName": "ghost"},
         "EntityNotExist.Role", 404, "ram.aliyuncs.com", "Ram"),
    Case("EntityAlreadyExists", RAM, "CreateUser", {"UserName": "NOBODY"},
         "EntityAlreadyExists.User", 409, "ram.aliyuncs.com", "Ram"),
    Case("DeleteConflict", RAM, "DeleteUser", {"UserName": "nobody"},
         "DeleteConflict.User.AccessKey", 409, "ram.aliyuncs.com", "Ram"),
    Case("LimitExceeded", RAM, "CreateAccessKey", {"UserName": "nobody"},
         "LimitExceeded.User.AccessKey", 409, "ram.aliyuncs.com", "Ram"),
    Case("NoPermission", RAM, "GetUser", {"UserName": "nobody"},
         "NoPermission", 403, "ram.aliyuncs.com", "Ram", key="nobody"),
    Case("Authentication", STS, "GetCallerIdentity", {},
         "SignatureDoesNotMatch", 400, "sts.aliyuncs.com", "Sts", secret="not-the-secret"),
    Case("Gateway: unknown action", RAM, "FlyToTheMoon", {},
         "InvalidAction.NotFound", 404, "ram.aliyuncs.com", "Ram"),
    Case("Gateway: unknown version", "2099-01-01", "GetUser", {},
         "InvalidVersion", 400, "ramsts.example", None),
]  # fmt: skip


def _send(server: Server, case: Case, fmt: str) -> httpx.Response:
    how = {"fmt": fmt} | ({"secret": case.secret} if case.secret else {})
    return server.send(case.version, case.action, case.params, key=case.key, **how)


def _expected_keys(case: Case) -> list[str]:
    keys = ENVELOPE if case.product else ENVELOPE[:-1]
    return [*keys, "AccessDeniedDetail"] if case.code == "NoPermission" else keys


def _check_common(case: Case, response: httpx.Response, body: dict[str, Any]) -> None:
    assert response.status_code == case.status
    assert list(body) == _expected_keys(case)
    assert REQUEST_ID.match(body["RequestId"])
    assert body["RequestId"] == response.headers["x-acs-request-id"]
    assert body["HostId"] == case.host_id
    assert body["Code"] == case.code
    assert isinstance(body["Message"], str) and body["Message"].strip()
    if case.product:
        assert body["Recommend"] == (
            f"https://api.aliyun.com/troubleshoot?q={case.code}&product={case.product}"
        )


@pytest.mark.parametrize("case", CASES, ids=[c.family for c in CASES])
def test_the_json_error_envelope(server: Server, case: Case) -> None:
    response = _send(server, case, "JSON")

    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    _check_common(case, response, body)
    assert all(isinstance(body[key], str) for key in _expected_keys(case)[:5] if key in body)
    if case.code == "NoPermission":
        detail = body["AccessDeniedDetail"]
        assert set(detail) == DENIED_DETAIL
        assert detail["AuthAction"] == "ram:GetUser"
        assert detail["AuthPrincipalType"] == "SubUser"
        assert detail["NoPermissionType"] == "ImplicitDeny"


@pytest.mark.parametrize("case", CASES, ids=[c.family for c in CASES])
def test_the_xml_error_envelope(server: Server, case: Case) -> None:
    response = _send(server, case, "XML")

    assert response.headers["content-type"] == XML_TYPE
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Error>')
    root = ET.fromstring(response.content)
    assert root.tag == "Error"
    body: dict[str, Any] = {
        child.tag: child.text if len(child) == 0 else {c.tag: c.text for c in child}
        for child in root
    }
    assert len(body) == len(root), "each member appears once"
    _check_common(case, response, body)
    if case.code == "NoPermission":
        assert set(body["AccessDeniedDetail"]) == DENIED_DETAIL


@pytest.mark.parametrize("case", CASES, ids=[c.family for c in CASES])
def test_an_rpc_error_without_format_is_xml_as_a_success_would_be(
    server: Server, case: Case
) -> None:
    response = _send(server, case, "")

    assert response.headers["content-type"] == XML_TYPE
    assert ET.fromstring(response.content).findtext("Code") == case.code


@pytest.mark.parametrize("requested", ["YAML", "json5", "X"])
def test_a_format_other_than_json_or_xml_is_refused(server: Server, requested: str) -> None:
    response = server.send(RAM, "GetUser", {"UserName": "nobody"}, fmt=requested)

    assert response.status_code == 400
    assert response.headers["content-type"] == XML_TYPE
    root = ET.fromstring(response.content)
    assert root.findtext("Code") == "InvalidParameter.Format"
    assert root.findtext("HostId") == "ram.aliyuncs.com"
    assert requested in (root.findtext("Message") or "")


def test_format_is_read_without_regard_to_case_for_errors(server: Server) -> None:
    case = CASES[0]
    response = server.send(case.version, case.action, case.params, fmt="xml")
    assert response.headers["content-type"] == XML_TYPE


def test_an_unknown_path_answers_in_the_envelope_without_a_product(server: Server) -> None:
    async def get() -> httpx.Response:
        return await server.client.get("/no/such/path")

    response = server.portal.call(get)

    assert response.status_code == 404
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    assert list(body) == ["RequestId", "HostId", "Code", "Message"]
    assert body["HostId"] == "ramsts"
    assert body["Code"] == "InvalidAction.NotFound"
