"""Events put on the audit trail by a test, as the recorder would write them: a RAM call by
``alice``, each field overridable (the lookups', the export's and LookupEvents' tests)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ramsts.store import AuditEvent

ACCOUNT = "1234567890123456"


def trail_event(
    name: str = "CreateUser",
    *,
    at: datetime,
    account_id: str = ACCOUNT,
    user: str | None = "alice",
    key: str | None = "LTAI5tAliceKey",
    rw: str = "Write",
    resources: tuple[tuple[str, str], ...] = (),
    document: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event of ``name`` at ``at``; its document is ``{"eventId", "eventName"}`` and
    ``document``'s fields."""
    event_id = str(uuid.uuid4()).upper()
    return AuditEvent(
        event_id=event_id,
        account_id=account_id,
        event_time=at,
        event_name=name,
        event_source="ram.aliyuncs.com",
        service_name="Ram",
        event_type="ApiCall",
        event_rw=rw,
        api_version="2015-05-01",
        user_name=user,
        access_key_id=key,
        error_code=None,
        request_id=str(uuid.uuid4()).upper(),
        document={"eventId": event_id, "eventName": name, **(document or {})},
        resources=resources,
    )
