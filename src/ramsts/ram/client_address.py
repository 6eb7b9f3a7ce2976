"""Where a request comes from: the one rule every front door follows for ``acs:SourceIp`` and
``acs:SecureTransport`` (policy-language R32), applied where the connection is read
(:mod:`ramsts.cli.http_protocol`) so that the API, the console and the guard all see its result
in the ASGI scope's ``client`` and ``scheme``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import NamedTuple

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddress(NamedTuple):
    """Where a request comes from: ``acs:SourceIp`` (``host``) and ``acs:SecureTransport``."""

    host: str
    port: int
    secure: bool


def peer_address(host: str) -> IpAddress | None:
    """The IP address of a TCP peer or of an ``X-Forwarded-For`` entry (``203.0.113.7``,
    ``203.0.113.7:5100``, ``2001:db8::7``, ``[2001:db8::7]:5100``), an IPv4 address mapped into
    IPv6 (what a dual-stack socket reports) as the IPv4 address; ``None`` for anything else,
    such as ``unknown``."""
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted(address: IpAddress | None, trusted_proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in trusted_proxies)


def client_address(
    peer: ClientAddress,
    headers: Sequence[tuple[bytes, bytes]],
    trusted_proxies: Sequence[Network],
) -> ClientAddress:
    """The one rule every front door follows for ``acs:SourceIp`` and ``acs:SecureTransport``.

    Anyone can send ``X-Forwarded-For`` and ``X-Forwarded-Proto``, so they count only when the
    TCP peer is one of the ``trusted_proxies`` the operator named; otherwise the request comes
    from ``peer`` itself. From a trusted proxy:

    * ``X-Forwarded-For`` (every header, comma-separated entries) is read from the right: each
      proxy appends the address it was reached from, so the first entry that is not a trusted
      proxy is the client, and what lies left of it is the client's to invent. When every entry
      is a trusted proxy, the left-most is the client. An entry that is not an IP address (such
      as ``unknown``) there means the client is unknown: ``host`` is empty.
    * ``X-Forwarded-Proto`` makes the request secure only when every value it holds is
      ``https``; a proxy that appends its own hop's scheme to one the client sent then never
      turns a client's ``http`` into ``https``. Without it, the connection's own TLS counts.
    """
    if not is_trusted(peer_address(peer.host), trusted_proxies):
        return peer
    forwarded_for: list[str] = []
    forwarded_proto: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            forwarded_for.extend(_entries(value))
        elif name == b"x-forwarded-proto":
            forwarded_proto.extend(_entries(value))
    secure = peer.secure
    if forwarded_proto:
        secure = all(proto.lower() == "https" for proto in forwarded_proto)
    host, port = peer.host, peer.port
    for entry in reversed(forwarded_for):
        address = peer_address(entry)
        host, port = ("", 0) if address is None else (str(address), _port(entry))
        if not is_trusted(address, trusted_proxies):
            break
    return ClientAddress(host, port, secure)


def _entries(value: bytes) -> list[str]:
    return [
        entry for entry in (part.strip() for part in value.decode("latin-1").split(",")) if entry
    ]


def _port(entry: str) -> int:
    _, colon, port = entry.rpartition(":")
    if colon and port.isdigit() and (entry.count(":") == 1 or entry.startswith("[")):
        return int(port)
    return 0
