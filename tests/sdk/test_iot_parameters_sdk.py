"""A bad parameter of an IoT action is answered with its own code and HTTP status in the gateway's
envelope, in every deployment of the IoT sample (``test_iot_guard_sdk``'s ``world``): never a
500, which the standalone service once answered for them."""

from __future__ import annotations

import pytest
from test_iot_guard_sdk import World, tea_refusal, world

__all__ = ["world"]  # the fixture, shared with test_iot_guard_sdk

pytestmark = pytest.mark.sdk


@pytest.mark.parametrize(
    ("action", "params", "code"),
    [
        ("QueryProduct", {}, "MissingParameter"),
        ("BatchGetDeviceState", {"DeviceName.1": "t-01"}, "MissingParameter"),
        ("QueryDevice", {"CurrentPage": "first"}, "InvalidParameter.CurrentPage"),
    ],
    ids=["missing", "names-without-product", "not-an-integer"],
)
def test_a_bad_parameter_is_answered_with_its_code_and_status(
    world: World, action: str, params: dict[str, str], code: str
) -> None:
    if action == "QueryDevice":
        params = {**params, "ProductKey": world.product_key}
    refused = tea_refusal(world, world.root, action, **params)
    assert (refused.status_code, refused.code) == (400, code)
    assert refused.data["HostId"] == "iot.cn-shanghai.aliyuncs.com"
