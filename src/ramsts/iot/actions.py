"""The IoT sample's actions, shared by both ways of serving it.

:meth:`IotService.target` names what a request asks to do — ``iot:<Action>`` on the product's ARN
``acs:iot:<region>:<account>:product/<ProductKey>`` or a device's
``…:product/<ProductKey>/device/<DeviceName>`` (``product/*`` to list or create) — with
``${AccountId}`` for the account, which only the verified caller decides. A request that reads
several devices (``BatchGetDeviceState``) names each device it can return, and is allowed only if
every one of them is. :meth:`IotService.run` performs an authorized action for the caller's
account.

Note: the real IoT Platform authorizes only ``Resource: "*"`` and no Condition (policy-language
§6); this sample names ARNs so that resource-level policies can be shown. A policy written for the
real platform (``"Resource": "*"``) matches them all.
"""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Callable, Mapping
from typing import Any

from ramsts.errors import GatewayError
from ramsts.guard import ACCOUNT_PLACEHOLDER
from ramsts.guard.result import Resources
from ramsts.iot.rendering import (
    IotError,
    device_detail,
    device_info,
    device_state,
    product_detail,
    product_summary,
    success,
)
from ramsts.iot.tables import DeviceRow, IotTables, ProductRow
from ramsts.parameters import Parameters
from ramsts.products import IOT
from ramsts.types import Clock, system_clock

Handler = Callable[[str, Mapping[str, str]], dict[str, Any]]

ACTIONS = (
    "QueryProductList",
    "QueryProduct",
    "CreateProduct",
    "UpdateProduct",
    "DeleteProduct",
    "RegisterDevice",
    "QueryDevice",
    "QueryDeviceDetail",
    "BatchGetDeviceState",
)
BATCH_LIMIT = 50
_ALNUM = string.ascii_letters + string.digits
_NAME_CHARS = frozenset(_ALNUM + "_")
_DEVICE_NAME_CHARS = frozenset(_ALNUM + "-_@.:")


def _random(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _indexed(params: Mapping[str, str], name: str) -> list[str]:
    """A RepeatList parameter as the SDKs flatten it: ``DeviceName.1``, ``DeviceName.2``…"""
    values = []
    index = 1
    while f"{name}.{index}" in params:
        values.append(params[f"{name}.{index}"])
        index += 1
    return values


class IotService:
    """Thread-safe (each table call is its own transaction)."""

    def __init__(
        self, tables: IotTables, *, region: str = IOT.region, clock: Clock = system_clock
    ) -> None:
        self.tables = tables
        self.region = region
        self._clock = clock
        self._handlers: dict[str, Handler] = {
            "QueryProductList": self._query_product_list,
            "QueryProduct": self._query_product,
            "CreateProduct": self._create_product,
            "UpdateProduct": self._update_product,
            "DeleteProduct": self._delete_product,
            "RegisterDevice": self._register_device,
            "QueryDevice": self._query_device,
            "QueryDeviceDetail": self._query_device_detail,
            "BatchGetDeviceState": self._batch_get_device_state,
        }

    # -- what a request asks for --------------------------------------------------------------

    def product_arn(self, product_key: str) -> str:
        return f"acs:iot:{self.region}:{ACCOUNT_PLACEHOLDER}:product/{product_key}"

    def device_arn(self, product_key: str, device_name: str) -> str:
        return f"{self.product_arn(product_key)}/device/{device_name}"

    def target(
        self, action: str, params: Mapping[str, str], account_id: str | None = None
    ) -> tuple[str, Resources]:
        """(``iot:<Action>``, the resource ARN or ARNs) of a request; unknown actions are the
        gateway's ``InvalidAction.NotFound``. ``account_id``, the caller's when it is known
        already (inside the server), keeps a device looked up by IotId to that account's, so
        that another account's IotId names nothing; without it (a service that learns the
        caller from the verification) the action itself keeps to the caller's account."""
        if action not in self._handlers:
            raise GatewayError(
                "InvalidAction.NotFound",
                "Specified api is not found, please check your url and method.",
                http_status=404,
            )
        product_key = params.get("ProductKey") or "*"
        if action in ("QueryProductList", "CreateProduct"):
            return IOT.action(action), self.product_arn("*")
        if action == "RegisterDevice":
            return IOT.action(action), self.device_arn(product_key, params.get("DeviceName") or "*")
        if action == "QueryDeviceDetail":
            return IOT.action(action), self._device_detail_arn(params, account_id)
        if action == "BatchGetDeviceState":
            return IOT.action(action), self._batch_arns(params, account_id)
        return IOT.action(action), self.product_arn(product_key)

    def _device_detail_arn(self, params: Mapping[str, str], account_id: str | None) -> str:
        iot_id = params.get("IotId")
        if iot_id:
            # IotIds are unique across accounts; ownership is checked when the action runs.
            found = self.tables.devices_by_ids([iot_id], account_id).get(iot_id)
            if found is not None:
                return self.device_arn(found.product_key, found.device_name)
            return self.device_arn("*", "*")
        return self.device_arn(params.get("ProductKey") or "*", params.get("DeviceName") or "*")

    def _batch_arns(self, params: Mapping[str, str], account_id: str | None) -> Resources:
        """Each device a BatchGetDeviceState may return: every ``DeviceName.N`` of the product,
        or every device found by ``IotId.N`` (which, as on the real platform, take precedence).
        A batch that names no device, or more than the action serves, is authorized on every
        device (``product/<ProductKey or *>/device/*``) and then answered by the action."""
        every = self.device_arn(params.get("ProductKey") or "*", "*")
        ids = _indexed(params, "IotId")
        if ids:
            if len(ids) > BATCH_LIMIT:
                return every
            found = self.tables.devices_by_ids(ids, account_id)
            arns = [
                self.device_arn(row.product_key, row.device_name)
                for iot_id in ids
                if (row := found.get(iot_id)) is not None
            ]
        else:
            names = _indexed(params, "DeviceName")
            if len(names) > BATCH_LIMIT or not params.get("ProductKey"):
                return every
            arns = [self.device_arn(params["ProductKey"], name) for name in names]
        return tuple(dict.fromkeys(arns)) or every

    # -- running an authorized action ---------------------------------------------------------

    def run(self, action: str, account_id: str, params: Mapping[str, str]) -> dict[str, Any]:
        handler = self._handlers[action]
        try:
            return handler(account_id, params)
        except IotError as error:
            return error.body()

    def _query_product_list(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        page, size = _page(params, "CurrentPage", maximum=200)
        total, rows = self.tables.products_page(account_id, page, size)
        counts = self.tables.device_counts([row.product_key for row in rows])
        return success(
            {
                "CurrentPage": page,
                "PageSize": size,
                "PageCount": math.ceil(total / size),
                "Total": total,
                "List": {
                    "ProductInfo": [
                        product_summary(row, counts.get(row.product_key, 0)) for row in rows
                    ]
                },
            }
        )

    def _query_product(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        row = self._product(account_id, params)
        counts = self.tables.device_counts([row.product_key])
        return success(product_detail(row, counts.get(row.product_key, 0)))

    def _create_product(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        name = _product_name(params.required("ProductName"))
        node_type = _choice(params, "NodeType", ("0", "1"), "iot.prod.InvalidNodeType")
        commodity = params.optional("AliyunCommodityCode") or "iothub_senior"
        if commodity not in ("iothub_senior", "iothub"):
            raise IotError(
                "iot.prod.InvalidAliyunCommodityCode",
                "AliyunCommodityCode must be iothub_senior or iothub.",
            )
        description = _description(params.optional("Description"))
        if self.tables.product_named(account_id, name) is not None:
            raise IotError(
                "iot.prod.AlreadyExistedProductName",
                f"A product named {name!r} already exists in this account.",
            )
        row = ProductRow(
            product_key="a1" + _random(9),
            account_id=account_id,
            product_name=name,
            node_type=int(node_type),
            data_format=1 if commodity == "iothub_senior" else 0,
            description=description,
            product_secret=_random(16),
            created_at=self._clock(),
        )
        self.tables.add_product(row)
        data = {
            key: value
            for key, value in product_detail(row, 0).items()
            if key not in ("GmtCreate", "DeviceCount", "ProductStatus", "NetType", "Owner")
        }
        return success(data, ProductKey=row.product_key)

    def _update_product(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        row = self._product(account_id, params)
        name = _product_name(params.required("ProductName"))
        other = self.tables.product_named(account_id, name)
        if other is not None and other.product_key != row.product_key:
            raise IotError(
                "iot.prod.AlreadyExistedProductName",
                f"A product named {name!r} already exists in this account.",
            )
        values = {"product_name": name}
        if "Description" in params:
            values["description"] = _description(params.optional("Description"))
        self.tables.update_product(row.product_key, **values)
        return success()

    def _delete_product(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        row = self._product(account_id, params)
        self.tables.delete_product(row.product_key)
        return success()

    def _register_device(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        product = self._product(account_id, params)
        name = params.optional("DeviceName") or _random(20)
        if not 4 <= len(name) <= 32 or not set(name) <= _DEVICE_NAME_CHARS:
            raise IotError(
                "iot.device.InvalidFormattedDeviceName",
                "DeviceName must be 4 to 32 letters, digits, hyphens (-), underscores (_),"
                " at signs (@), periods (.) or colons (:).",
            )
        if self.tables.device(product.product_key, name) is not None:
            raise IotError(
                "iot.device.AlreadyExistedDeviceName",
                f"A device named {name!r} already exists in product {product.product_key}.",
            )
        row = DeviceRow(
            iot_id=_random(20) + "000100",
            product_key=product.product_key,
            device_name=name,
            nickname=params.optional("Nickname") or "",
            device_secret=_random(32),
            status="UNACTIVE",
            created_at=self._clock(),
        )
        self.tables.add_device(row)
        data = {
            "IotId": row.iot_id,
            "ProductKey": row.product_key,
            "DeviceName": row.device_name,
            "DeviceSecret": row.device_secret,
            "Nickname": row.nickname,
        }
        return success(data)

    def _query_device(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        product = self._product(account_id, params)
        page, size = _page(params, "CurrentPage", maximum=50, default_size=10)
        total, rows = self.tables.devices_page(product.product_key, page, size)
        return success(
            {"DeviceInfo": [device_info(row) for row in rows]},
            Total=total,
            PageSize=size,
            PageCount=math.ceil(total / size),
            Page=page,
        )

    def _query_device_detail(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        params = Parameters(raw)
        iot_id = params.optional("IotId")
        if iot_id:
            device = self.tables.device_by_id(iot_id)
            product = (
                None if device is None else self.tables.product(account_id, device.product_key)
            )
        else:
            product = self._product(account_id, params)
            device = self.tables.device(product.product_key, params.required("DeviceName"))
        if device is None or product is None:
            raise IotError("iot.device.NotExistedDevice", "The specified device does not exist.")
        return success(device_detail(device, product, self.region))

    def _batch_get_device_state(self, account_id: str, raw: Mapping[str, str]) -> dict[str, Any]:
        """The state of each device named that exists in the caller's account, in the order
        named. Only devices :meth:`_batch_arns` named can be returned: the same parameters pick
        them (IotIds first), and an IotId always names the same device."""
        params = Parameters(raw)
        ids = _indexed(raw, "IotId")
        names = [] if ids else _indexed(raw, "DeviceName")
        if len(ids) + len(names) > BATCH_LIMIT:
            raise IotError(
                "iot.system.IllegalRequest", f"At most {BATCH_LIMIT} devices may be queried."
            )
        found: list[DeviceRow] = []
        if ids:
            by_id = self.tables.devices_by_ids(ids, account_id)
            found = [row for iot_id in dict.fromkeys(ids) if (row := by_id.get(iot_id))]
        elif names:
            product = self._product(account_id, params)
            found = [
                row
                for name in dict.fromkeys(names)
                if (row := self.tables.device(product.product_key, name)) is not None
            ]
        return success(DeviceStatusList={"DeviceStatus": [device_state(row) for row in found]})

    def _product(self, account_id: str, params: Parameters) -> ProductRow:
        product_key = params.required("ProductKey")
        row = self.tables.product(account_id, product_key)
        if row is None:
            raise IotError(
                "iot.prod.NotExistedProduct", f"The product {product_key!r} does not exist."
            )
        return row


def _page(
    params: Parameters, name: str, *, maximum: int, default_size: int | None = None
) -> tuple[int, int]:
    page = params.integer(name, default=1, minimum=1, maximum=1_000_000)
    size = params.integer("PageSize", default=default_size, minimum=1, maximum=maximum)
    if page is None or size is None:
        raise IotError("iot.common.InvalidPageParams", "CurrentPage and PageSize are required.")
    return page, size


def _product_name(name: str) -> str:
    if not 4 <= len(name) <= 30 or not all(c in _NAME_CHARS or ord(c) > 0x2E7F for c in name):
        raise IotError(
            "iot.prod.InvalidFormattedProductName",
            "ProductName must be 4 to 30 letters, digits, underscores (_) or Chinese characters.",
        )
    return name


def _description(text: str | None) -> str:
    if text is not None and len(text) > 100:
        raise IotError("iot.prod.LongProductDesc", "Description must be at most 100 characters.")
    return text or ""


def _choice(params: Parameters, name: str, allowed: tuple[str, ...], code: str) -> str:
    value = params.required(name)
    if value not in allowed:
        raise IotError(code, f"{name} must be one of {', '.join(allowed)}; got {value!r}.")
    return value
