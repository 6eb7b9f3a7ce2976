"""The RPC endpoint: dispatch by (Version, Action), formats, and the gateway's own errors."""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET

import pytest

from ramsts.signing import sign_rpc_v1, sign_v3
from ramsts.types import Secret

REQUEST_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")
SECRET = Secret("not-checked-by-the-fake-authenticator")


def v1(client, action: str, version: str, method: str = "POST", **params: str):
    signed = sign_rpc_v1(
        method, {"Action": action, "Version": version, **params}, "LTAI5tX", SECRET
    )
    return client.request(method, f"/?{signed.query}", headers=dict(signed.headers))


def v3(client, action: str, version: str, **params: str):
    signed = sign_v3("POST", "testserver", action, version, params, "LTAI5tX", SECRET)
    return client.post(f"/?{signed.query}", headers=dict(signed.headers))


def test_a_signed_v1_call_reaches_its_handler_with_the_caller_and_params(client, services):
    response = v1(client, "WhoAmI", "2015-04-01", Echo="hello world")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=utf-8"
    body = response.json()
    assert list(body) == ["RequestId", "Arn", "Echo"]
    assert REQUEST_ID.match(body["RequestId"])
    assert response.headers["x-acs-request-id"] == body["RequestId"]
    assert body["Arn"] == "acs:ram::1234567890123456:root"
    assert body["Echo"] == "hello world"
    ((request, connection, anonymous_allowed),) = services.authenticator.calls
    assert request.scheme == "v1" and anonymous_allowed is False
    assert connection.peer_ip == "192.0.2.7"


def test_a_v3_call_is_routed_on_its_headers_and_answers_json(client):
    response = v3(client, "ListThings", "2015-05-01")

    assert response.status_code == 200
    assert response.json()["Things"]["Thing"][0] == {"Name": "a&b", "Enabled": True}


def test_each_request_gets_its_own_request_id(client):
    first = v1(client, "WhoAmI", "2015-04-01").json()["RequestId"]
    second = v1(client, "WhoAmI", "2015-04-01").json()["RequestId"]
    assert first != second


def test_get_is_served_like_post(client):
    assert v1(client, "WhoAmI", "2015-04-01", method="GET").status_code == 200


def test_anonymous_actions_are_passed_as_allowed_to_the_authenticator(client, services):
    response = client.post("/?Action=OpenDoor&Version=2015-04-01&Format=JSON")

    assert response.status_code == 200
    assert response.json()["Arn"] is None
    assert services.authenticator.calls[0][2] is True


def test_v1_without_format_answers_xml_with_the_action_response_root(client):
    signed = sign_rpc_v1(
        "GET", {"Action": "ListThings", "Version": "2015-05-01"}, "LTAI5tX", SECRET
    )
    query = signed.query.replace("Format=JSON&", "").replace("&Format=JSON", "")
    # The signature no longer matches, but the fake authenticator does not check it.
    response = client.get(f"/?{query}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml;charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "ListThingsResponse"
    assert REQUEST_ID.match(root.findtext("RequestId") or "")
    things = root.findall("Things/Thing")
    assert [t.findtext("Name") for t in things] == ["a&b", "<c>"]
    assert [t.findtext("Enabled") for t in things] == ["true", "false"]
    assert root.findtext("IsTruncated") == "false"


@pytest.mark.parametrize("spelling", ["XML", "xml", "Xml"])
def test_format_xml_is_honoured_in_any_case(client, spelling):
    response = v1(client, "WhoAmI", "2015-04-01", Format=spelling)
    assert ET.fromstring(response.content).tag == "WhoAmIResponse"


@pytest.mark.parametrize("spelling", ["JSON", "json"])
def test_format_json_is_honoured_in_any_case(client, spelling):
    assert v1(client, "WhoAmI", "2015-04-01", Format=spelling).json()["Echo"] == ""


def test_an_unknown_action_is_invalid_action_not_found(client):
    response = v1(client, "NoSuchThing", "2015-04-01")

    assert response.status_code == 404
    body = response.json()
    assert body["Code"] == "InvalidAction.NotFound"
    assert body["HostId"] == "sts.aliyuncs.com"
    assert body["Recommend"].endswith("q=InvalidAction.NotFound&product=Sts")


def test_an_unknown_version_is_invalid_version(client):
    response = v1(client, "WhoAmI", "2099-01-01")

    assert response.status_code == 400
    assert response.json()["Code"] == "InvalidVersion"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_http_methods_are_unsupported(client, method):
    response = client.request(method, "/?Action=WhoAmI&Version=2015-04-01&Format=JSON")

    assert response.status_code == 403
    assert response.json()["Code"] == "UnsupportedHTTPMethod"


def test_a_missing_action_is_missing_parameter(client):
    response = client.get("/?Version=2015-04-01&Format=JSON")

    assert response.status_code == 400
    assert response.json()["Code"] == "MissingParameter"


def test_a_parse_error_still_honours_format_xml(client):
    response = client.get("/?Version=2015-04-01&Format=XML")

    assert response.status_code == 400
    assert response.headers["content-type"] == "text/xml;charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "Error"
    assert root.findtext("Code") == "MissingParameter"


def test_an_rpc_call_without_format_errs_in_xml_as_its_success_would_be(client):
    response = client.get("/?Action=GetRole&Version=2015-05-01")

    assert response.status_code == 404
    assert response.headers["content-type"] == "text/xml;charset=utf-8"


def test_a_v3_call_without_format_errs_in_json(client):
    response = client.get("/", headers={"x-acs-action": "GetRole", "x-acs-version": "2015-05-01"})

    assert response.headers["content-type"] == "application/json;charset=utf-8"


def test_a_handler_error_is_rendered_with_its_code_and_status(client):
    response = v1(client, "GetRole", "2015-05-01")

    assert response.status_code == 404
    body = response.json()
    assert body["Code"] == "EntityNotExist.Role"
    assert body["Message"] == "The role does not exist: ghost."
    assert body["HostId"] == "ram.aliyuncs.com"


def test_no_permission_carries_the_access_denied_detail(client):
    response = v1(client, "GetPolicy", "2015-05-01")

    assert response.status_code == 403
    assert response.json()["AccessDeniedDetail"] == {
        "AuthAction": "ram:GetRole",
        "NoPermissionType": "ImplicitDeny",
    }


def test_an_unexpected_error_is_a_bare_500_with_nothing_of_its_detail(client, caplog):
    caplog.set_level(logging.ERROR, logger="ramsts.api")
    response = v1(client, "Explode", "2015-05-01")

    assert response.status_code == 500
    body = response.json()
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert body["Code"] == "InternalError"
    assert body["Message"] == "The request processing has failed due to some unknown error."
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    # The detail is in the log, under the RequestId the client can quote.
    assert any(
        body["RequestId"] in record.getMessage() and record.exc_info for record in caplog.records
    )


def test_credentials_never_reach_the_log(client, caplog):
    caplog.set_level(logging.DEBUG, logger="ramsts")
    signed = sign_rpc_v1(
        "POST",
        {"Action": "WhoAmI", "Version": "2015-04-01", "Password": "Pa55-word-secret"},
        "STS.TEMPORARYKEY",
        SECRET,
        security_token="CAISsecret-token-value",
    )
    client.post(f"/?{signed.query}")
    v1(client, "Explode", "2015-05-01", NewPassword="n3w-secret-value")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "WhoAmI" in logged  # the access line is there
    for secret in ("Pa55-word-secret", "CAISsecret-token-value", "n3w-secret-value"):
        assert secret not in logged
    assert signed.signature not in logged


def test_a_body_larger_than_the_limit_is_refused(client):
    response = client.post(
        "/?Action=WhoAmI&Version=2015-04-01&Format=JSON",
        content=b"A=" + b"x" * (1024 * 1024 + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413
    assert json.loads(response.content)["Code"] == "InvalidParameter.ContentLength"


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("Action=WhoAmI&Version=2015-04-01&Format=XML", {}),
        ("", {"x-acs-action": "WhoAmI", "x-acs-version": "2015-04-01"}),
    ],
    ids=["v1", "v3"],
)
def test_a_refused_body_still_answers_as_the_product_the_request_names(client, query, headers):
    response = client.post(
        f"/?{query}",
        content=b"A=" + b"x" * (1024 * 1024 + 1),
        headers={"content-type": "application/x-www-form-urlencoded", **headers},
    )

    assert response.status_code == 413
    if "Format=XML" in query:
        host_id = ET.fromstring(response.content).findtext("HostId")
    else:
        host_id = json.loads(response.content)["HostId"]
    assert host_id == "sts.aliyuncs.com"
