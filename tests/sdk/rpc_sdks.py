"""One RPC call to any product through each of Alibaba's two SDK stacks, for tests of guarded
services that have no SDK of their own (the IoT sample, a test's own service).

``tea_rpc`` is alibabacloud-tea-openapi's ``call_api`` (V3; raises ``ClientException`` for 4xx);
``classic_rpc`` is aliyun-python-sdk-core's ``CommonRequest`` (RPC v1; raises
``ServerException``). Both return the JSON body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.models import Config, OpenApiRequest, Params
from alibabacloud_tea_util.models import RuntimeOptions
from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest


@dataclass(frozen=True)
class Signer:
    """Whose credentials sign: a long-term AccessKey, or STS credentials with their token."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None


def tea_rpc(
    endpoint: str, signer: Signer, version: str, action: str, **params: str
) -> dict[str, Any]:
    config = Config(
        access_key_id=signer.access_key_id,
        access_key_secret=signer.access_key_secret,
        security_token=signer.security_token,
        endpoint=endpoint,
        protocol="http",
    )
    api = Params(
        action=action,
        version=version,
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    result = OpenApiClient(config).call_api(api, OpenApiRequest(query=params), RuntimeOptions())
    return dict(result["body"])


def classic_rpc(
    endpoint: str, signer: Signer, version: str, action: str, **params: str
) -> dict[str, Any]:
    credential = (
        StsTokenCredential(signer.access_key_id, signer.access_key_secret, signer.security_token)
        if signer.security_token
        else AccessKeyCredential(signer.access_key_id, signer.access_key_secret)
    )
    client = AcsClient(credential=credential, region_id="cn-shanghai")
    request = CommonRequest(domain=endpoint, version=version, action_name=action)
    request.set_method("POST")
    request.set_protocol_type("http")
    for name, value in params.items():
        request.add_query_param(name, value)
    try:
        return dict(json.loads(client.do_action_with_exception(request)))
    finally:
        client.session.close()  # its pooled connection, which would outlive the service
