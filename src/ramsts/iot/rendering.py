"""IoT Platform response shapes (from the real API's response models, ``alibabacloud_iot20180120``).

Successes are ``{"Success": true, "Data": {...}}`` (the API adds ``RequestId``); business errors
are HTTP 200 with ``{"Success": false, "Code": "iot.prod.NotExistedProduct", "ErrorMessage": …}``,
as the real platform answers them. Authentication and authorization failures are not business
errors: they use the gateway's envelope with their HTTP status (``NoPermission``, 403).

Times as the real API writes them: products' ``GmtCreate`` in epoch milliseconds; devices'
``GmtCreate`` in China Standard Time (``2018-08-06 10:48:41``) beside ``UtcCreate`` in UTC
(``2018-08-06T02:48:41.000Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ramsts.iot.tables import DeviceRow, ProductRow

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


class IotError(Exception):
    """A business error, answered ``Success: false`` with the real platform's code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"Success": False, "Code": self.code, "ErrorMessage": self.message}


def success(data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Success": True}
    if data is not None:
        body["Data"] = data
    body.update(extra)
    return body


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    return int(_aware(moment).timestamp() * 1000)


def gmt_text(moment: datetime) -> str:
    return _aware(moment).astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S")


def utc_text(moment: datetime) -> str:
    return _aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def product_summary(row: ProductRow, device_count: int) -> dict[str, Any]:
    """An item of QueryProductList's ``List.ProductInfo``."""
    return {
        "ProductKey": row.product_key,
        "ProductName": row.product_name,
        "NodeType": row.node_type,
        "DataFormat": row.data_format,
        "Description": row.description,
        "GmtCreate": epoch_ms(row.created_at),
        "DeviceCount": device_count,
        "AuthType": "secret",
    }


def product_detail(row: ProductRow, device_count: int) -> dict[str, Any]:
    """QueryProduct's ``Data``."""
    return {
        **product_summary(row, device_count),
        "ProductSecret": row.product_secret,
        "AliyunCommodityCode": "iothub_senior" if row.data_format == 1 else "iothub",
        "ProductStatus": "DEVELOPMENT_STATUS",
        "ProtocolType": "",
        "NetType": 3,
        "ValidateType": 1,
        "Id2": False,
        "Owner": True,
    }


def device_info(row: DeviceRow) -> dict[str, Any]:
    """An item of QueryDevice's ``Data.DeviceInfo``."""
    return {
        "IotId": row.iot_id,
        "DeviceId": row.iot_id,
        "ProductKey": row.product_key,
        "DeviceName": row.device_name,
        "DeviceSecret": row.device_secret,
        "DeviceStatus": row.status,
        "DeviceType": "",
        "Nickname": row.nickname,
        "GmtCreate": gmt_text(row.created_at),
        "GmtModified": gmt_text(row.created_at),
        "UtcCreate": utc_text(row.created_at),
        "UtcModified": utc_text(row.created_at),
    }


def device_detail(row: DeviceRow, product: ProductRow, region: str) -> dict[str, Any]:
    """QueryDeviceDetail's ``Data``."""
    return {
        "IotId": row.iot_id,
        "ProductKey": row.product_key,
        "ProductName": product.product_name,
        "DeviceName": row.device_name,
        "DeviceSecret": row.device_secret,
        "Nickname": row.nickname,
        "NodeType": product.node_type,
        "Status": row.status,
        "Region": region,
        "Owner": True,
        "FirmwareVersion": "",
        "IpAddress": "",
        "GmtCreate": gmt_text(row.created_at),
        "UtcCreate": utc_text(row.created_at),
    }


def device_state(row: DeviceRow) -> dict[str, Any]:
    """An item of BatchGetDeviceState's ``DeviceStatusList.DeviceStatus``."""
    return {
        "IotId": row.iot_id,
        "DeviceId": row.iot_id,
        "DeviceName": row.device_name,
        "Status": row.status,
    }
