"""Keeping credentials out of the access log.

uvicorn's access log prints each request line, whose query holds an RPC v1 call's ``Signature``
and ``SecurityToken``. ``ramsts serve`` turns that log off; :data:`ACCESS_LOG_REDACTION`, which
the API application puts on the ``uvicorn.access`` logger, keeps those values out of it wherever
the application is served with the log on (another server command, a process manager's). What
is redacted, and how, is :mod:`ramsts.redaction`'s.
"""

from __future__ import annotations

import logging

from ramsts.redaction import redact_query_fields

ACCESS_LOGGER = "uvicorn.access"


class _RequestLineRedaction(logging.Filter):
    """Rewrites a record's message with :func:`redact_query_fields` before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_query_fields(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


ACCESS_LOG_REDACTION = _RequestLineRedaction()
