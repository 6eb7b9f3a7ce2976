"""The lockout's bounds as properties, for any guessing: however many sources guess and however
their guesses are spread, at most ``MaxLoginAttemps`` × OVERALL_FACTOR are checked per window,
at most ``MaxLoginAttemps`` from any one source, and a source the name signed in from is never
shut out by anyone else's failures. Sources are counted per IPv4 address and per IPv6 /64."""

from __future__ import annotations

import ipaddress
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ramsts.ram.sign_in_failures import (
    LOCKOUT_WINDOW,
    OVERALL_FACTOR,
    FailedSignIns,
    source_network,
)
from ramsts.store import Store, open_store

NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
SHARED_STORE = HealthCheck.function_scoped_fixture
OWNER = "192.0.2.1"
attackers = st.lists(st.integers(2, 60).map(lambda n: f"198.51.100.{n}"), max_size=40)
limits = st.integers(1, 4)


@pytest.fixture
def failures(db_url: str) -> Iterator[FailedSignIns]:
    """On both stores; each example signs in under a name of its own, so examples sharing the
    store do not see each other's failures."""
    store: Store = open_store(db_url)
    yield FailedSignIns(store)
    store.dispose()


def fresh_name() -> tuple[str, str | None]:
    return (uuid.uuid4().hex, None)


def attempt(failures: FailedSignIns, name: tuple[str, str | None], source: str, limit: int) -> bool:
    """One wrong password from ``source``: whether it was checked (not locked)."""
    since = NOW - LOCKOUT_WINDOW
    return failures.begin(name, source_ip=source, limit=limit, since=since, now=NOW) is not None


@settings(max_examples=20, deadline=None, suppress_health_check=[SHARED_STORE])
@given(guesses=attackers, limit=limits)
def test_no_spread_of_guesses_gets_more_than_the_bounds(
    failures: FailedSignIns, guesses: list[str], limit: int
) -> None:
    name = fresh_name()
    checked = [source for source in guesses if attempt(failures, name, source, limit)]
    assert len(checked) <= limit * OVERALL_FACTOR
    assert all(count <= limit for count in Counter(checked).values())


@settings(max_examples=20, deadline=None, suppress_health_check=[SHARED_STORE])
@given(guesses=attackers, limit=limits)
def test_others_failures_never_shut_out_a_source_the_name_signed_in_from(
    failures: FailedSignIns, guesses: list[str], limit: int
) -> None:
    name = fresh_name()
    signed_in = failures.begin(
        name, source_ip=OWNER, limit=limit, since=NOW - LOCKOUT_WINDOW, now=NOW
    )
    assert signed_in is not None
    failures.succeeded(signed_in, NOW - timedelta(days=1))
    for source in guesses:
        attempt(failures, name, source, limit)
    assert attempt(failures, name, OWNER, limit)


@given(st.ip_addresses(v=6), st.integers(0, 2**64 - 1))
def test_an_ipv6_source_is_its_64(address: ipaddress.IPv6Address, host: int) -> None:
    neighbour = ipaddress.IPv6Address((int(address) >> 64 << 64) | host)
    if address.ipv4_mapped is None and neighbour.ipv4_mapped is None:
        assert source_network(str(address)) == source_network(str(neighbour))


@given(st.ip_addresses(v=4))
def test_an_ipv4_source_is_its_address_however_it_is_written(
    address: ipaddress.IPv4Address,
) -> None:
    assert source_network(str(address)) == str(address)
    assert source_network(f"::ffff:{address}") == str(address)
