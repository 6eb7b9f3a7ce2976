"""A request as a resource service received it: everything its signature covers, and the
connection facts that become condition keys.

Nothing is normalised: the signature covers the raw query string, the header values as sent (the
Host header included, scheme and all: api.md §3.5) and the body bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ramsts.signing import SignedRequest, parse_request


@dataclass(frozen=True, slots=True)
class GuardRequest:
    method: str
    raw_query: str
    """The query string as received, still percent-encoded, without the ``?``."""
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    """(name, value) pairs in the order received."""
    body: bytes = field(default=b"", repr=False)
    peer_ip: str = ""
    """The address of the TCP peer; ``acs:SourceIp``."""
    secure: bool = False
    """Whether the client reached the service over TLS; ``acs:SecureTransport``."""
    path: str = "/"

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any], body: bytes) -> GuardRequest:
        """From an ASGI HTTP scope and the body read from it."""
        client = scope.get("client")
        return cls(
            method=str(scope["method"]),
            raw_query=bytes(scope.get("query_string", b"")).decode("latin-1"),
            headers=tuple(
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in scope.get("headers", ())
            ),
            body=body,
            peer_ip=str(client[0]) if client else "",
            secure=scope.get("scheme") in ("https", "wss"),
            path=str(scope.get("path", "/")),
        )

    @classmethod
    def of(
        cls,
        method: str,
        path: str,
        raw_query: str,
        headers: Sequence[tuple[str, str]],
        body: bytes = b"",
        *,
        peer_ip: str = "",
        secure: bool = False,
    ) -> GuardRequest:
        """From the parts a plain HTTP framework hands over."""
        return cls(method, raw_query, tuple(headers), body, peer_ip, secure, path)

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), "")

    def parse(self) -> SignedRequest:
        """The signature scheme, action and claimed credentials (no secret needed); raises the
        gateway's errors for a malformed request."""
        return parse_request(self.method, self.raw_query, list(self.headers), self.body)
