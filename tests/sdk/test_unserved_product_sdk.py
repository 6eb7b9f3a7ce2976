"""A server started without the IoT sample tells an IoT client how to serve it (the guide's step 6
against a plain ``ramsts serve``), in the real gateway's InvalidVersion error."""

from __future__ import annotations

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from ramsts.testing import ramsts_server

pytestmark = pytest.mark.sdk


def test_an_iot_call_to_a_server_without_the_sample_says_how_to_turn_it_on() -> None:
    with ramsts_server() as server:
        client = AcsClient(
            credential=AccessKeyCredential(
                server.root.access_key_id, server.root.access_key_secret
            ),
            region_id="cn-shanghai",
        )
        request = CommonRequest(
            domain=f"127.0.0.1:{server.port}", version="2018-01-20", action_name="QueryProduct"
        )
        request.set_protocol_type("http")
        request.add_query_param("ProductKey", "a1example")
        with pytest.raises(ServerException) as refused:
            client.do_action_with_exception(request)
    assert refused.value.get_http_status() == 400
    assert refused.value.get_error_code() == "InvalidVersion"
    assert "ramsts serve --demo-products" in refused.value.get_error_msg()
    assert "RAMSTS_DEMO_PRODUCTS=1" in refused.value.get_error_msg()
