"""The rule every front door follows for ``acs:SourceIp`` and ``acs:SecureTransport``
(:func:`ramsts.ram.client_address.client_address`), for any headers a client may send."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from ramsts.ram.client_address import ClientAddress, client_address, peer_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))

trusted_addresses = st.one_of(
    st.ip_addresses(network="10.0.0.0/8"), st.ip_addresses(network="fd00::/8")
)
untrusted_addresses = st.ip_addresses().filter(
    lambda address: not any(peer_address(str(address)) in network for network in PROXIES)
)
"""Not a proxy's, under any spelling (an IPv4-mapped IPv6 address is its IPv4 address)."""
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
"""Anything a client can put in a header value (commas included)."""
any_headers = st.lists(
    st.tuples(st.sampled_from([b"x-forwarded-for", b"x-forwarded-proto", b"x-other"]), header_text),
    max_size=6,
).map(lambda pairs: [(name, value.encode()) for name, value in pairs])


def _spelled(address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int | None) -> str:
    if port is None:
        return str(address)
    return f"{address}:{port}" if address.version == 4 else f"[{address}]:{port}"


@given(untrusted_addresses, st.booleans(), any_headers)
def test_a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_sends(
    peer: ipaddress.IPv4Address | ipaddress.IPv6Address,
    secure: bool,
    headers: list[tuple[bytes, bytes]],
) -> None:
    connection = ClientAddress(str(peer), 5100, secure)
    assert client_address(connection, headers, PROXIES) == connection


@given(
    client=untrusted_addresses,
    proxies=st.lists(trusted_addresses, min_size=1, max_size=4),
    forged=st.lists(header_text, max_size=4),
    port=st.none() | st.integers(1, 65535),
)
def test_behind_trusted_proxies_the_client_is_the_address_the_first_proxy_was_reached_from(
    client: ipaddress.IPv4Address | ipaddress.IPv6Address,
    proxies: list[ipaddress.IPv4Address | ipaddress.IPv6Address],
    forged: list[str],
    port: int | None,
) -> None:
    """The client sends any X-Forwarded-For it likes; each proxy appends the address it was
    reached from; the server's peer is the last proxy."""
    entries = [*forged, _spelled(client, port), *map(str, proxies[:-1])]
    headers = [(b"x-forwarded-for", ", ".join(entries).encode())]
    peer = ClientAddress(str(proxies[-1]), 443, False)

    seen = client_address(peer, headers, PROXIES)

    assert seen.host == str(peer_address(str(client)))
    assert seen.port == (port or 0)


@given(st.lists(st.sampled_from(["https", "http", "HTTPS", "wss", ""]), min_size=1, max_size=4))
def test_a_trusted_proxy_s_request_is_secure_only_when_every_x_forwarded_proto_says_https(
    schemes: list[str],
) -> None:
    headers = [(b"x-forwarded-proto", scheme.encode()) for scheme in schemes]
    named = [scheme for scheme in schemes if scheme]

    seen = client_address(ClientAddress("10.0.0.1", 443, True), headers, PROXIES)

    assert seen.secure == (all(s.lower() == "https" for s in named) if named else True)


def test_an_entry_that_is_no_address_leaves_the_client_unknown_not_the_proxy() -> None:
    headers = [(b"x-forwarded-for", b"203.0.113.7, unknown")]
    seen = client_address(ClientAddress("10.0.0.1", 443, False), headers, PROXIES)
    assert seen.host == ""


def test_when_every_entry_is_a_trusted_proxy_the_left_most_is_the_client() -> None:
    headers = [(b"x-forwarded-for", b"10.1.1.1"), (b"x-forwarded-for", b"10.2.2.2")]
    seen = client_address(ClientAddress("10.0.0.1", 443, False), headers, PROXIES)
    assert seen.host == "10.1.1.1"


@given(st.ip_addresses(v=4))
def test_an_ipv4_mapped_ipv6_peer_is_its_ipv4_address(address: ipaddress.IPv4Address) -> None:
    assert peer_address(f"::ffff:{address}") == address
    assert peer_address(f"[::ffff:{address}]:80") == address
