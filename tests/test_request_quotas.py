"""Request quotas as operators write them (``--throttle``, ``RAMSTS_THROTTLE``): ACTION=CALLS/
PERIOD for the STS actions that have one, anything else refused with a message saying why."""

from __future__ import annotations

import pytest

from ramsts.config import Settings, settings_from_env
from ramsts.errors import InvalidParameter
from ramsts.request_quotas import RequestQuota, parse_request_quotas


def test_quotas_are_read_per_second_minute_or_hour_and_the_last_one_wins() -> None:
    assert parse_request_quotas("AssumeRole=100/s, GetCallerIdentity = 6000/min") == (
        RequestQuota("AssumeRole", 100, 1),
        RequestQuota("GetCallerIdentity", 6000, 60),
    )
    assert parse_request_quotas("AssumeRole=1/h,AssumeRole=5/s") == (
        RequestQuota("AssumeRole", 5, 1),
    )
    assert parse_request_quotas("") == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("AssumeRole", "ACTION=CALLS/PERIOD"),
        ("AssumeRole=ten/s", "ACTION=CALLS/PERIOD"),
        ("CreateUser=10/s", "Only AssumeRole and GetCallerIdentity"),
        ("AssumeRole=10/day", "s, min or h, not 'day'"),
        ("AssumeRole=0/s", "at least one call"),
    ],
)
def test_a_quota_that_cannot_be_read_is_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        parse_request_quotas(text)
    assert refused.value.code == "InvalidParameter.Throttle"
    assert says in refused.value.message


def test_the_settings_carry_quotas_metrics_and_log_format_to_the_workers() -> None:
    settings = settings_from_env(
        {
            "RAMSTS_THROTTLE": "GetCallerIdentity=3/min",
            "RAMSTS_METRICS": "1",
            "RAMSTS_LOG_FORMAT": "JSON",
        }
    ).overridden(throttle="AssumeRole=100/s")
    assert settings.throttle == (RequestQuota("AssumeRole", 100, 1),)
    assert (settings.metrics, settings.log_format) == (True, "json")
    assert settings_from_env(settings.to_env()) == settings
    assert (Settings().throttle, Settings().metrics, Settings().log_format) == ((), False, "text")


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(InvalidParameter) as refused:
        settings_from_env({"RAMSTS_LOG_FORMAT": "xml"})
    assert refused.value.code == "InvalidParameter.LogFormat"
