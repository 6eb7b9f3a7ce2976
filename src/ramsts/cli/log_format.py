"""``ramsts serve --log-format json``: every log line one JSON object (``docs/operations.md``).

Each object has ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger`` and
``message``, and where the line concerns a request its ``RequestId``: the access line's own, or
that of the request being served when the line was written on its task. The access line
(``ramsts.api``) adds ``product``, ``version``, ``action``, ``AccessKeyId``, ``status`` and
``latency_ms``; a line with a traceback adds ``exception``. uvicorn's own lines come out the same
way. Messages are the ones the text format prints, redacted the same way (secrets never reach a
log record: see :mod:`ramsts.redaction`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from ramsts.request_ids import current_request_id

_REQUEST_FIELDS = (
    ("product", "product"),
    ("version", "version"),
    ("action", "action"),
    ("access_key_id", "AccessKeyId"),
    ("status", "status"),
    ("latency_ms", "latency_ms"),
)
"""Record attributes an access line carries (see ``ramsts.api.rpc``), and their JSON names."""


class JsonLogFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id is not None:
            entry["RequestId"] = request_id
        for attribute, name in _REQUEST_FIELDS:
            value = getattr(record, attribute, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)
