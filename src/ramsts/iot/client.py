"""A small signed RPC client: what the walkthrough (``ramsts demo``) and the IoT tests call RAM,
STS and IoT with. It signs as the SDKs do (:func:`ramsts.signing.sign_v3` or
:func:`~ramsts.signing.sign_rpc_v1`) and sends with httpx, ignoring proxy variables (api.md §1.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from ramsts.signing import sign_rpc_v1, sign_v3
from ramsts.types import Secret

Signature = Literal["v1", "v3"]


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    access_key_secret: Secret = field(repr=False)
    security_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_body(cls, credentials: dict[str, Any]) -> Credentials:
        """From AssumeRole's ``Credentials`` or CreateAccessKey's ``AccessKey``."""
        return cls(
            credentials["AccessKeyId"],
            Secret(credentials["AccessKeySecret"]),
            credentials.get("SecurityToken"),
        )


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """HTTP 200 and, for IoT, ``Success`` not false."""
        return self.status == 200 and self.body.get("Success", True) is not False

    @property
    def code(self) -> str:
        return str(self.body.get("Code", "")) if not self.ok else ""


class RpcClient:
    """One endpoint (``127.0.0.1:8080`` or ``http://host:port``); :meth:`close` when done."""

    def __init__(
        self,
        endpoint: str,
        *,
        signature: Signature = "v3",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint if "://" in endpoint else f"http://{endpoint}"
        self._host = self.endpoint.split("://", 1)[1].rstrip("/")
        self._signature = signature
        self._http = httpx.Client(
            base_url=self.endpoint, timeout=30.0, transport=transport, trust_env=False
        )

    def close(self) -> None:
        self._http.close()

    def call(self, version: str, action: str, credentials: Credentials, **params: str) -> Reply:
        if self._signature == "v3":
            signed_v3 = sign_v3(
                "POST",
                self._host,
                action,
                version,
                params,
                credentials.access_key_id,
                credentials.access_key_secret,
                credentials.security_token,
            )
            query, headers = signed_v3.query, signed_v3.headers
        else:
            signed_v1 = sign_rpc_v1(
                "POST",
                {"Action": action, "Version": version, **params},
                credentials.access_key_id,
                credentials.access_key_secret,
                credentials.security_token,
            )
            query, headers = signed_v1.query, signed_v1.headers
        response = self._http.post(f"/?{query}", headers=list(headers))
        try:
            body = response.json()
        except ValueError:
            body = {"Code": "NotJson", "Message": response.text[:200]}
        return Reply(response.status_code, body if isinstance(body, dict) else {})
