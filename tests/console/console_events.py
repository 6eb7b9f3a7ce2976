"""Events put on the console account's trail for the Events page's tests: a few minutes ago,
inside the page's default range (the last seven days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from console_site import ConsoleSite

from ramsts.store import AuditEvent
from trail_events import trail_event


def recorded(console: ConsoleSite, name: str, *, minutes_ago: int, **fields: Any) -> AuditEvent:
    """An event of ``name`` on the console account's trail, its document a real one's shape."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    user = fields.pop("user", "alice")
    document = {
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventRW": fields.get("rw", "Write"),
        "serviceName": "Ram",
        "eventSource": "ram.aliyuncs.com",
        "requestId": "4F1B5C7E-0000-4000-8000-000000000001",
        "sourceIpAddress": "192.0.2.10",
        "userIdentity": {"type": "ram-user", "userName": user},
        **fields.pop("document", {}),
    }
    event = trail_event(
        name, at=at, account_id=console.account_id, user=user, document=document, **fields
    )
    with console.server.services.store.transaction() as tx:
        tx.audit_events.add([event])
    return event
