"""TOTP of virtual MFA devices: RFC 6238 Appendix B known answers (the SHA-1 rows), base32
seeds, the accepted drift, two consecutive codes for binding, and the otpauth URI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.ram.totp import (
    SEED_BYTES,
    decode_base32_seed,
    encode_base32_seed,
    hotp,
    new_seed,
    otpauth_uri,
    time_step,
    totp,
    verify_code,
    verify_consecutive_codes,
)

RFC_SEED = b"12345678901234567890"
"""The SHA-1 seed of RFC 6238 Appendix B (and RFC 4226 Appendix D)."""

MOMENT = datetime(2025, 3, 1, 12, 0, 10, tzinfo=UTC)
moments = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
seeds = st.binary(min_size=1, max_size=64)


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc6238_appendix_b_sha1_vectors(unix_time: int, code: str) -> None:
    moment = datetime.fromtimestamp(unix_time, UTC)
    assert totp(RFC_SEED, moment, digits=8) == code


def test_rfc4226_appendix_d_hotp_values() -> None:
    expected = ["755224", "287082", "359152", "969429", "338314"]
    assert [hotp(RFC_SEED, counter) for counter in range(5)] == expected


def test_a_new_seed_is_random_and_shows_as_64_unpadded_base32_characters() -> None:
    seed = new_seed()
    shown = encode_base32_seed(seed)
    assert len(seed) == SEED_BYTES
    assert len(shown) == 64
    assert "=" not in shown
    assert new_seed() != seed


@given(seeds)
def test_base32_seeds_round_trip_whatever_the_case_spacing_and_padding(seed: bytes) -> None:
    shown = encode_base32_seed(seed)
    assert decode_base32_seed(shown) == seed
    assert decode_base32_seed(" ".join(shown.lower())) == seed


def test_a_seed_that_is_not_base32_is_refused() -> None:
    with pytest.raises(ValueError, match="base32"):
        decode_base32_seed("not base32!")


@given(seeds, moments)
def test_the_current_code_verifies_and_names_its_time_step(seed: bytes, moment: datetime) -> None:
    assert verify_code(seed, totp(seed, moment), moment) == time_step(moment)


@given(seeds, moments, st.sampled_from([-30, 30]))
def test_a_code_one_step_early_or_late_still_verifies(
    seed: bytes, moment: datetime, drift: int
) -> None:
    assert verify_code(seed, totp(seed, moment + timedelta(seconds=drift)), moment) is not None


def test_a_code_two_steps_away_or_malformed_does_not_verify() -> None:
    seed = RFC_SEED
    assert verify_code(seed, totp(seed, MOMENT - timedelta(seconds=60)), MOMENT) is None
    assert verify_code(seed, totp(seed, MOMENT + timedelta(seconds=60)), MOMENT) is None
    for malformed in ("12345", "1234567", "12345a", "１２３４５６", ""):
        assert verify_code(seed, malformed, MOMENT) is None


def test_binding_takes_the_previous_and_the_current_code() -> None:
    previous = totp(RFC_SEED, MOMENT - timedelta(seconds=30))
    current = totp(RFC_SEED, MOMENT)
    assert verify_consecutive_codes(RFC_SEED, previous, current, MOMENT) == time_step(MOMENT)


def test_binding_refuses_codes_out_of_order_repeated_or_not_consecutive() -> None:
    step = timedelta(seconds=30)
    previous, current = totp(RFC_SEED, MOMENT - step), totp(RFC_SEED, MOMENT)
    older = totp(RFC_SEED, MOMENT - 2 * step)
    assert verify_consecutive_codes(RFC_SEED, current, previous, MOMENT) is None
    assert verify_consecutive_codes(RFC_SEED, current, current, MOMENT) is None
    assert verify_consecutive_codes(RFC_SEED, older, current, MOMENT) is None


def test_the_otpauth_uri_carries_the_seed_and_the_parameters_apps_need() -> None:
    uri = otpauth_uri(RFC_SEED, issuer="ramsts", account="dev-1@1234567890123456")
    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/ramsts:dev-1@1234567890123456"
    assert decode_base32_seed(query["secret"][0]) == RFC_SEED
    assert (query["digits"], query["period"], query["algorithm"]) == (["6"], ["30"], ["SHA1"])
