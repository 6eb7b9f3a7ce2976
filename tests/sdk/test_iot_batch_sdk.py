"""IoT actions that read several devices at once authorize each device they return, through
Alibaba's SDKs, in every deployment of the IoT sample (``test_iot_guard_sdk``'s ``world``).

``BatchGetDeviceState`` names its devices by ``DeviceName.N`` under a ``ProductKey``, or by
``IotId.N`` across products (which, as on the real platform, take precedence). Each device it may
return is authorized as ``iot:BatchGetDeviceState`` on the device's ARN: one device the caller may
not read refuses the call (``NoPermission``, 403, naming that device).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_iot_guard_sdk import (
    World,
    classic_call,
    classic_refusal,
    in_every_deployment,
    tea_call,
    tea_refusal,
    world,
)

from ramsts.iot.client import Credentials, RpcClient

__all__ = ["world"]  # the fixture, shared with test_iot_guard_sdk

pytestmark = pytest.mark.sdk

IOT = "2018-01-20"


def device_arn(world: World, product_key: str, device_name: str) -> str:
    return f"acs:iot:cn-shanghai:{world.account_id}:product/{product_key}/device/{device_name}"


def register(world: World, product_key: str, *names: str) -> dict[str, str]:
    """IotId of each device registered as the account's root."""
    client = RpcClient(world.iot_endpoint)
    try:
        ids = {}
        for name in names:
            reply = client.call(
                IOT, "RegisterDevice", world.root, ProductKey=product_key, DeviceName=name
            )
            assert reply.ok, reply.body
            ids[name] = str(reply.body["Data"]["IotId"])
        return ids
    finally:
        client.close()


def create_product(world: World, name: str) -> str:
    client = RpcClient(world.iot_endpoint)
    try:
        reply = client.call(IOT, "CreateProduct", world.root, ProductName=name, NodeType="0")
    finally:
        client.close()
    assert reply.ok, reply.body
    return str(reply.body["ProductKey"])


def user_allowed(world: World, name: str, *resources: str) -> Credentials:
    """A RAM user allowed ``iot:BatchGetDeviceState`` on ``resources`` only."""
    policy = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "iot:BatchGetDeviceState", "Resource": list(resources)}
        ],
    }
    world.ram("CreateUser", UserName=name)
    world.ram("CreatePolicy", PolicyName=f"{name}-devices", PolicyDocument=json.dumps(policy))
    world.ram(
        "AttachPolicyToUser", PolicyType="Custom", PolicyName=f"{name}-devices", UserName=name
    )
    return Credentials.from_body(world.ram("CreateAccessKey", UserName=name)["AccessKey"])


def names(body: dict[str, Any]) -> list[str]:
    return [state["DeviceName"] for state in body["DeviceStatusList"]["DeviceStatus"]]


def by_names(*device_names: str) -> dict[str, str]:
    return {f"DeviceName.{i}": name for i, name in enumerate(device_names, 1)}


def by_ids(*iot_ids: str) -> dict[str, str]:
    return {f"IotId.{i}": iot_id for i, iot_id in enumerate(iot_ids, 1)}


@in_every_deployment
def test_a_batch_of_devices_each_allowed_is_answered(world: World) -> None:
    ids = register(world, world.product_key, "t-01", "t-02")
    operator = user_allowed(
        world,
        "operator",
        device_arn(world, world.product_key, "t-01"),
        device_arn(world, world.product_key, "t-02"),
    )
    body = tea_call(
        world,
        operator,
        "BatchGetDeviceState",
        ProductKey=world.product_key,
        **by_names("t-01", "t-02"),
    )
    assert names(body) == ["t-01", "t-02"]
    body = classic_call(world, operator, "BatchGetDeviceState", **by_ids(ids["t-02"], ids["t-01"]))
    assert names(body) == ["t-02", "t-01"]


def test_one_device_the_caller_may_not_read_refuses_the_batch(world: World) -> None:
    ids = register(world, world.product_key, "t-01", "t-02")
    operator = user_allowed(world, "operator", device_arn(world, world.product_key, "t-01"))
    named = {"ProductKey": world.product_key, **by_names("t-01", "t-02")}
    denied = tea_refusal(world, operator, "BatchGetDeviceState", **named)
    assert (denied.status_code, denied.code) == (403, "NoPermission")
    assert f"Resource: {device_arn(world, world.product_key, 't-02')} " in denied.message
    assert denied.access_denied_detail["AuthAction"] == "iot:BatchGetDeviceState"
    assert classic_refusal(
        world, operator, "BatchGetDeviceState", **by_ids(ids["t-01"], ids["t-02"])
    ) == (403, "NoPermission")


def test_devices_found_by_iot_id_are_authorized_in_their_own_product(world: World) -> None:
    """A policy for one product's devices does not reach another product's through IotIds,
    even when the request also names the allowed product."""
    thermometer = register(world, world.product_key, "t-01")["t-01"]
    kettles = create_product(world, "kettles")
    kettle = register(world, kettles, "k-01")["k-01"]
    operator = user_allowed(
        world,
        "operator",
        f"acs:iot:*:*:product/{world.product_key}",
        f"acs:iot:*:*:product/{world.product_key}/device/*",
    )
    mixed = {"ProductKey": world.product_key, **by_ids(thermometer, kettle)}
    denied = tea_refusal(world, operator, "BatchGetDeviceState", **mixed)
    assert (denied.status_code, denied.code) == (403, "NoPermission")
    assert device_arn(world, kettles, "k-01") in denied.message
    body = tea_call(world, operator, "BatchGetDeviceState", **by_ids(thermometer))
    assert names(body) == ["t-01"]


def test_a_device_of_another_account_named_by_iot_id_exists_for_nobody_else(
    world: World, request: pytest.FixtureRequest
) -> None:
    """Inside the server, where accounts share the IoT tables: another account's IotId is
    neither answered nor authorized, so a refusal cannot tell its product or device."""
    if not request.node.callspec.params["world"].startswith("in-server"):
        pytest.skip("a service in remote mode serves one account only")
    created = world.services.accounts.create_account("globex")
    globex = Credentials(created.access_key_id, created.access_key_secret)
    client = RpcClient(world.iot_endpoint)
    try:
        product = client.call(IOT, "CreateProduct", globex, ProductName="secrets", NodeType="0")
        key = str(product.body["ProductKey"])
        device = client.call(IOT, "RegisterDevice", globex, ProductKey=key, DeviceName="s-01")
    finally:
        client.close()
    foreign = str(device.body["Data"]["IotId"])
    everything = user_allowed(world, "operator", "*")
    assert names(tea_call(world, everything, "BatchGetDeviceState", **by_ids(foreign))) == []
    narrow = user_allowed(world, "narrow", device_arn(world, world.product_key, "*"))
    for action, params in (
        ("BatchGetDeviceState", by_ids(foreign)),
        ("QueryDeviceDetail", {"IotId": foreign}),
    ):
        denied = tea_refusal(world, narrow, action, **params)
        assert denied.code == "NoPermission"
        assert key not in denied.message and "s-01" not in denied.message
