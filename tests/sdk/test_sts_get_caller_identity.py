"""STS GetCallerIdentity through Alibaba's own SDKs against a live server (api.md §8.4), and the
gateway's authentication errors as those SDKs see them (§8.5)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

# ``live_server`` (tests/sdk/conftest.py) is a running server with one account's root AccessKey.
pytestmark = pytest.mark.sdk


def classic_call(server: Any, access_key_id: str, secret: str) -> dict[str, str]:
    client = AcsClient(access_key_id, secret, "cn-hangzhou")
    request = CommonRequest(
        domain=server.endpoint, version="2015-04-01", action_name="GetCallerIdentity"
    )
    request.set_protocol_type("http")
    return dict(json.loads(client.do_action_with_exception(request)))


def tea_client(
    server: Any, access_key_id: str, secret: str, algorithm: str | None = None
) -> StsClient:
    config = Config(
        access_key_id=access_key_id,
        access_key_secret=secret,
        endpoint=server.endpoint,
        protocol="http",
    )
    if algorithm is not None:
        config.signature_algorithm = algorithm
    return StsClient(config)


def test_classic_core_common_request_gets_the_root_identity(live_server) -> None:
    body = classic_call(live_server, live_server.access_key_id, live_server.access_key_secret)

    assert body["AccountId"] == live_server.account_id
    assert body["IdentityType"] == "Account"
    assert body["Arn"] == f"acs:ram::{live_server.account_id}:root"
    assert body["PrincipalId"] == live_server.account_id
    assert body["RequestId"]


@pytest.mark.parametrize("algorithm", [None, "v2"], ids=["v3-default", "rpc-v2"])
def test_tea_client_gets_the_root_identity(live_server, algorithm: str | None) -> None:
    client = tea_client(
        live_server, live_server.access_key_id, live_server.access_key_secret, algorithm
    )

    body = client.get_caller_identity().body

    assert body.account_id == live_server.account_id
    assert body.identity_type == "Account"
    assert body.arn == f"acs:ram::{live_server.account_id}:root"
    assert body.request_id


def test_a_wrong_secret_is_signature_does_not_match(live_server) -> None:
    client = tea_client(live_server, live_server.access_key_id, "not-the-secret")

    with pytest.raises(ClientException) as raised:
        client.get_caller_identity()

    assert raised.value.code == "SignatureDoesNotMatch"
    assert raised.value.status_code == 400


def test_the_classic_sdk_parses_our_signature_error_without_crashing(
    live_server,
) -> None:
    # It splits the message on ":" to read the server's string to sign (api.md §5.2); a message
    # without the colon would make it raise IndexError instead of a ServerException.
    with pytest.raises(ServerException) as raised:
        classic_call(live_server, live_server.access_key_id, "not-the-secret")

    assert raised.value.get_error_code() == "SignatureDoesNotMatch"
    assert raised.value.get_http_status() == 400
    assert "server string to sign is:GET&%2F&AccessKeyId" in raised.value.get_error_msg()


def test_an_unknown_access_key_is_not_found(live_server) -> None:
    client = tea_client(live_server, "LTAI5tNoSuchKeyAnywhere00", "whatever")

    with pytest.raises(ClientException) as raised:
        client.get_caller_identity()

    assert raised.value.code == "InvalidAccessKeyId.NotFound"
    assert raised.value.status_code == 404


def test_a_replayed_nonce_is_refused(live_server, monkeypatch: pytest.MonkeyPatch) -> None:
    from aliyunsdkcore.utils import parameter_helper

    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: "0123456789abcdef0123456789abcdef")
    classic_call(live_server, live_server.access_key_id, live_server.access_key_secret)

    with pytest.raises(ServerException) as raised:
        classic_call(live_server, live_server.access_key_id, live_server.access_key_secret)

    assert raised.value.get_error_code() == "SignatureNonceUsed"
    assert raised.value.get_http_status() == 400
