"""Clients of a live server for the Ims tests: alibabacloud-ims20190815 and
alibabacloud-ram20150501, signed with the root's AccessKey or another, and a user's
UserPrincipalName in the account's default domain (the account id's, until it has an alias)."""

from __future__ import annotations

from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.models import Config
from live_server import LiveServer


def _config(server: LiveServer, key: tuple[str, str] | None) -> Config:
    access_key_id, secret = key or (server.access_key_id, server.access_key_secret)
    return Config(
        access_key_id=access_key_id,
        access_key_secret=secret,
        endpoint=server.endpoint,
        protocol="http",
    )


def ims_client(server: LiveServer, key: tuple[str, str] | None = None) -> ImsClient:
    """Signed with ``key`` (AccessKeyId, AccessKeySecret), or the root's."""
    return ImsClient(_config(server, key))


def ram_client(server: LiveServer, key: tuple[str, str] | None = None) -> RamClient:
    return RamClient(_config(server, key))


def upn(server: LiveServer, name: str) -> str:
    return f"{name}@{server.account_id}.onaliyun.com"
