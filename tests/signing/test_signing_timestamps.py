"""Request times: YYYY-MM-DDThh:mm:ssZ (a fraction of a second allowed, as JavaScript clients send
it), within 15 minutes of the server (api.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.errors import AuthenticationError
from ramsts.signing import TIMESTAMP_WINDOW, check_timestamp, parse_request
from ramsts.signing.timestamps import format_timestamp, parse_timestamp

NOW = datetime(2026, 11, 27, 17, 31, 38, tzinfo=UTC)


def _anonymous(timestamp: str | None) -> object:
    query = "Action=AssumeRoleWithOIDC&Version=2015-04-01"
    if timestamp is not None:
        query += f"&Timestamp={timestamp}"
    return parse_request("GET", query, [], b"")


def _error(request: object, now: datetime = NOW) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        check_timestamp(request, now)  # type: ignore[arg-type]
    assert caught.value.http_status == 400
    return caught.value


def test_the_window_is_fifteen_minutes() -> None:
    assert timedelta(minutes=15) == TIMESTAMP_WINDOW


@given(st.timedeltas(min_value=-TIMESTAMP_WINDOW, max_value=TIMESTAMP_WINDOW))
def test_any_time_within_the_window_either_way_is_accepted(skew: timedelta) -> None:
    check_timestamp(_anonymous(format_timestamp(NOW)), NOW + skew)  # type: ignore[arg-type]


@given(st.timedeltas(min_value=timedelta(minutes=15, seconds=1), max_value=timedelta(days=9999)))
def test_a_time_beyond_the_window_either_way_is_expired(skew: timedelta) -> None:
    request = _anonymous(format_timestamp(NOW))
    assert _error(request, NOW + skew).code == "InvalidTimeStamp.Expired"
    assert _error(request, NOW - skew).code == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27 17:31:38",
        "2026-11-27T17:31:38",
        "2026-11-27T17:31:38.Z",
        "2026-11-27T17:31:38.1234567Z",
        "2026-11-27T17:31:38.12a4Z",
        "2026-11-27T17:31:38.000+00:00",
        "2026-11-27T17:31:38%2B00:00",
        "2026-11-27T17:31:3８Z",
        "2026-11-27",
        "2026-13-27T17:31:38Z",
        "yesterday",
        "",
    ],
)
def test_any_other_format_is_a_format_error(text: str) -> None:
    error = _error(_anonymous(text))
    assert error.code == "InvalidTimeStamp.Format"


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_javascript_timestamp_with_milliseconds_names_its_instant(instant: datetime) -> None:
    milliseconds = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    text = format_timestamp(milliseconds)[:-1] + f".{milliseconds.microsecond // 1000:03d}Z"
    assert parse_timestamp(text) == milliseconds


def test_a_timestamp_like_date_to_iso_string_passes_the_window_check() -> None:
    check_timestamp(_anonymous("2026-11-27T17:31:38.209Z"), NOW)  # type: ignore[arg-type]


def test_an_anonymous_request_without_a_time_has_nothing_to_check() -> None:
    check_timestamp(_anonymous(None), NOW)  # type: ignore[arg-type]


@given(st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)))
def test_format_and_parse_are_inverse(instant: datetime) -> None:
    assert parse_timestamp(format_timestamp(instant)) == instant


def test_format_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 1, 1))
