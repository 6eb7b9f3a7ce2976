"""The IoT sample's actions, without HTTP: shapes, errors, accounts kept apart, ARNs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ramsts.errors import GatewayError
from ramsts.iot.actions import IotService
from ramsts.iot.tables import IotTables, open_iot_database

ACME, GLOBEX = "1111111111111111", "2222222222222222"


@pytest.fixture
def iot(db_url: str) -> Iterator[IotService]:
    engine = open_iot_database(db_url)
    yield IotService(IotTables(engine))
    engine.dispose()


def create(iot: IotService, account: str, name: str = "thermometers") -> str:
    body = iot.run("CreateProduct", account, {"ProductName": name, "NodeType": "0"})
    assert body["Success"] is True
    return str(body["ProductKey"])


def test_a_created_product_is_listed_and_queried_in_the_real_shape(iot: IotService) -> None:
    key = create(iot, ACME)
    listed = iot.run("QueryProductList", ACME, {"CurrentPage": "1", "PageSize": "10"})
    assert listed["Data"]["Total"] == 1
    assert listed["Data"]["List"]["ProductInfo"][0]["ProductKey"] == key
    queried = iot.run("QueryProduct", ACME, {"ProductKey": key})["Data"]
    assert (queried["ProductName"], queried["NodeType"], queried["DeviceCount"]) == (
        "thermometers",
        0,
        0,
    )


def test_another_accounts_product_does_not_exist(iot: IotService) -> None:
    key = create(iot, ACME)
    body = iot.run("QueryProduct", GLOBEX, {"ProductKey": key})
    assert body == {
        "Success": False,
        "Code": "iot.prod.NotExistedProduct",
        "ErrorMessage": f"The product {key!r} does not exist.",
    }


def test_devices_are_registered_queried_and_their_state_read(iot: IotService) -> None:
    key = create(iot, ACME)
    device = iot.run("RegisterDevice", ACME, {"ProductKey": key, "DeviceName": "t-01"})["Data"]
    detail = iot.run("QueryDeviceDetail", ACME, {"IotId": device["IotId"]})["Data"]
    assert (detail["DeviceName"], detail["Status"]) == ("t-01", "UNACTIVE")
    states = iot.run(
        "BatchGetDeviceState",
        ACME,
        {"ProductKey": key, "DeviceName.1": "t-01", "DeviceName.2": "x"},
    )
    assert [s["DeviceName"] for s in states["DeviceStatusList"]["DeviceStatus"]] == ["t-01"]
    duplicate = iot.run("RegisterDevice", ACME, {"ProductKey": key, "DeviceName": "t-01"})
    assert duplicate["Code"] == "iot.device.AlreadyExistedDeviceName"


def test_product_names_are_unique_per_account(iot: IotService) -> None:
    create(iot, ACME)
    again = iot.run("CreateProduct", ACME, {"ProductName": "thermometers", "NodeType": "0"})
    assert again["Code"] == "iot.prod.AlreadyExistedProductName"
    create(iot, GLOBEX)


def test_requests_name_the_product_and_device_arns(iot: IotService) -> None:
    prefix = "acs:iot:cn-shanghai:${AccountId}:product"
    assert iot.target("QueryProduct", {"ProductKey": "a1"}) == ("iot:QueryProduct", f"{prefix}/a1")
    assert iot.target("CreateProduct", {}) == ("iot:CreateProduct", f"{prefix}/*")
    assert iot.target("RegisterDevice", {"ProductKey": "a1", "DeviceName": "d"}) == (
        "iot:RegisterDevice",
        f"{prefix}/a1/device/d",
    )


def test_an_unknown_action_is_the_gateways_not_found(iot: IotService) -> None:
    with pytest.raises(GatewayError) as refused:
        iot.target("DeleteEverything", {})
    assert (refused.value.code, refused.value.http_status) == ("InvalidAction.NotFound", 404)


def register(iot: IotService, account: str, key: str, name: str) -> str:
    body = iot.run("RegisterDevice", account, {"ProductKey": key, "DeviceName": name})
    return str(body["Data"]["IotId"])


def test_a_batch_names_each_device_it_can_return(iot: IotService) -> None:
    key = create(iot, ACME)
    prefix = f"acs:iot:cn-shanghai:${{AccountId}}:product/{key}/device"
    named = {"ProductKey": key, "DeviceName.1": "t-01", "DeviceName.2": "t-02"}
    assert iot.target("BatchGetDeviceState", named) == (
        "iot:BatchGetDeviceState",
        (f"{prefix}/t-01", f"{prefix}/t-02"),
    )
    iot_id = register(iot, ACME, key, "t-03")
    by_id = {**named, "IotId.1": iot_id, "IotId.2": "nothing"}
    assert iot.target("BatchGetDeviceState", by_id)[1] == (f"{prefix}/t-03",)


def test_a_batch_naming_no_device_or_too_many_is_authorized_on_every_device(
    iot: IotService,
) -> None:
    every = "acs:iot:cn-shanghai:${AccountId}:product/*/device/*"
    assert iot.target("BatchGetDeviceState", {})[1] == every
    assert iot.target("BatchGetDeviceState", {"IotId.1": "nothing"})[1] == every
    too_many = {f"IotId.{i}": f"id-{i}" for i in range(1, 52)}
    assert iot.target("BatchGetDeviceState", too_many)[1] == every
    assert iot.run("BatchGetDeviceState", ACME, too_many)["Code"] == "iot.system.IllegalRequest"


def test_another_accounts_iot_id_names_nothing_when_the_caller_is_known(iot: IotService) -> None:
    foreign = register(iot, GLOBEX, create(iot, GLOBEX), "s-01")
    every = "acs:iot:cn-shanghai:${AccountId}:product/*/device/*"
    assert iot.target("BatchGetDeviceState", {"IotId.1": foreign}, ACME)[1] == every
    assert iot.target("QueryDeviceDetail", {"IotId": foreign}, ACME)[1] == every
    states = iot.run("BatchGetDeviceState", ACME, {"IotId.1": foreign})
    assert states["DeviceStatusList"]["DeviceStatus"] == []


def test_iot_ids_take_precedence_over_device_names(iot: IotService) -> None:
    key = create(iot, ACME)
    register(iot, ACME, key, "t-01")
    iot_id = register(iot, ACME, key, "t-02")
    params = {"ProductKey": key, "DeviceName.1": "t-01", "IotId.1": iot_id}
    states = iot.run("BatchGetDeviceState", ACME, params)["DeviceStatusList"]["DeviceStatus"]
    assert [state["DeviceName"] for state in states] == ["t-02"]
