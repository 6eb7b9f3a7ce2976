"""The JSON log format: one object a line with time, level, logger and message; the RequestId
of the request being served; an access line's fields; a traceback as ``exception``."""

from __future__ import annotations

import json
import logging
import sys

from ramsts.cli.log_format import JsonLogFormatter
from ramsts.request_ids import current_request_id


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("ramsts.api", logging.WARNING, __file__, 1, message, (), None)
    made.__dict__.update(extra)
    return made


def test_a_line_is_one_json_object_naming_the_request_being_served() -> None:
    token = current_request_id.set("0C5B3A6E-6F1B-4C7E-9E55-0F7D8F3A2B10")
    try:
        line = JsonLogFormatter().format(record("database slow: 120 ms"))
    finally:
        current_request_id.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "ramsts.api"
    assert entry["message"] == "database slow: 120 ms"
    assert entry["RequestId"] == "0C5B3A6E-6F1B-4C7E-9E55-0F7D8F3A2B10"
    assert entry["time"].endswith("+00:00")


def test_an_access_line_carries_its_fields_and_an_error_its_traceback() -> None:
    access = record(
        "x",
        request_id="R",
        product="Sts",
        action="AssumeRole",
        access_key_id="LTAI…",
        status=200,
        latency_ms=0.8,
    )
    entry = json.loads(JsonLogFormatter().format(access))
    assert {
        key: entry[key]
        for key in ("RequestId", "product", "action", "AccessKeyId", "status", "latency_ms")
    } == {
        "RequestId": "R",
        "product": "Sts",
        "action": "AssumeRole",
        "AccessKeyId": "LTAI…",
        "status": 200,
        "latency_ms": 0.8,
    }
    try:
        raise ValueError("boom")
    except ValueError:
        failed = record("failed", exc_info=sys.exc_info())
    entry = json.loads(JsonLogFormatter().format(failed))
    assert "RequestId" not in entry
    assert "ValueError: boom" in entry["exception"]
