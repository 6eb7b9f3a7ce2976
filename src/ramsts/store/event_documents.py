"""An audit event's ActionTrail document, rendered when it is read from the facts it was stored
as (issue #16: recording a call builds no document).

A stored event is its columns — the fields LookupEvents filters on, and the call's facts
(``source_ip``, ``user_agent``, the caller's ``identity_*`` and role fields) — and, in
``document``, the compact JSON of what follows ``userIdentity`` in the event
(:data:`TAIL_KEYS`: the redacted parameters and response, the resources, the outcome). A column
keeps at most its length; a value clipped to fit is kept whole in ``overflow`` (JSON, by column
name), so that the document says what the call said.

An event stored before (migration 0008) has no ``identity_type`` and its whole document in
``document``: it is read as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

REGION = "cn-hangzhou"
"""``acsRegion``: RAM and STS are global services, which the real trail dates in its home."""
EVENT_VERSION = 1

TAIL_KEYS = (
    "requestParameters",
    "responseElements",
    "referencedResources",
    "additionalEventData",
    "errorCode",
    "errorMessage",
)
"""The members of an event after ``userIdentity``, in their order: what ``document`` holds."""

ASSUMED_ROLE = "assumed-role"
UNKNOWN_IDENTITY = "unknown"
"""``userIdentity.type`` of a call whose credentials did not authenticate."""


def event_time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_document(facts: Mapping[str, Any], tail: Mapping[str, Any]) -> dict[str, Any]:
    """The document of the event whose columns are ``facts`` (whole values: ``overflow``
    applied) and whose ``document`` column holds ``tail``."""
    account_id = facts["account_id"]
    document: dict[str, Any] = {
        "eventId": facts["event_id"],
        "eventVersion": EVENT_VERSION,
        "eventTime": event_time_text(facts["event_time"]),
        "eventName": facts["event_name"],
        "eventSource": facts["event_source"],
        "serviceName": facts["service_name"],
        "eventType": facts["event_type"],
        "eventRW": facts["event_rw"],
        "apiVersion": facts["api_version"],
        "acsRegion": REGION,
        "requestId": facts["request_id"],
        "sourceIpAddress": facts["source_ip"],
        "userAgent": facts["user_agent"],
        "userIdentity": _user_identity(facts, account_id),
    }
    document.update(tail)
    return document


def _user_identity(facts: Mapping[str, Any], account_id: str) -> dict[str, Any]:
    kind = facts["identity_type"]
    if kind == UNKNOWN_IDENTITY:
        identity: dict[str, Any] = {"type": kind, "accountId": account_id}
        if facts["access_key_id"]:
            identity["accessKeyId"] = facts["access_key_id"]
        return identity
    identity = {
        "type": kind,
        "principalId": facts["principal_id"],
        "accountId": account_id,
        "accessKeyId": facts["access_key_id"],
        "userName": facts["identity_name"],
    }
    if kind == ASSUMED_ROLE:
        identity["sessionContext"] = {
            "attributes": {
                "creationDate": facts["session_created"],
                "mfaAuthenticated": "false",
            },
            "sessionIssuer": {
                "type": "role",
                "principalId": facts["role_id"],
                "accountId": account_id,
                "userName": facts["role_name"],
            },
        }
    return identity
