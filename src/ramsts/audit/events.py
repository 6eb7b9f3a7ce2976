"""An ActionTrail event from the facts of one call: who called, from where, what they asked,
what they were answered.

The document is the event as LookupEvents returns it (ActionTrail's event format, version 1)::

    {"eventId": "…", "eventVersion": 1, "eventTime": "2026-12-03T14:00:00Z",
     "eventName": "CreateUser", "eventSource": <RAM's endpoint>, "serviceName": "Ram",
     "eventType": "ApiCall", "eventRW": "Write", "apiVersion": <RAM's version>,
     "acsRegion": "cn-hangzhou", "requestId": "…", "sourceIpAddress": "…", "userAgent": "…",
     "userIdentity": {"type": "ram-user", "principalId": "…", "accountId": "…",
                      "accessKeyId": "…", "userName": "alice"},
     "requestParameters": {…}, "responseElements": {…}, "referencedResources": {…},
     "errorCode": "NoPermission", "errorMessage": "…"}

``userIdentity.type`` is ``root-account``, ``ram-user`` or ``assumed-role`` (with a
``sessionContext``), as the real trail spells them; a refused caller that never authenticated
is ``unknown``, with the AccessKeyId it named. Parameters and response bodies are redacted with
the project's one list of secret names (:mod:`ramsts.redaction`): an event never holds an
AccessKeySecret, SecurityToken, password, assertion, signature or MFA seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ramsts.caller import Caller
from ramsts.redaction import redact_document, redact_params
from ramsts.store import AuditEvent

EventType = Literal["ApiCall", "ConsoleSignin", "ConsoleOperation"]

REGION = "cn-hangzhou"
"""``acsRegion``: RAM and STS are global services, which the real trail dates in its home."""

_READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Check", "Query", "Verify")


@dataclass(frozen=True, slots=True)
class EventSource:
    """The service an event is of: a product's endpoint host and code
    (:mod:`ramsts.products`), or the console's."""

    host: str
    service_name: str


SIGN_IN = EventSource("signin.aliyun.com", "AasSub")
CONSOLE = EventSource("ram.console.aliyun.com", "Ram")


@dataclass(slots=True)
class Call:
    """One call as its entry point sees it, filled in as the call goes (the caller once it is
    authenticated, the outcome once there is one)."""

    source: EventSource
    event_name: str
    event_type: EventType
    request_id: str
    source_ip: str
    user_agent: str
    parameters: Mapping[str, str]
    api_version: str | None = None
    access_key_id: str | None = None
    """The AccessKeyId the request named, also when it was refused."""
    caller: Caller | None = None
    account_id: str | None = None
    """Whose trail, when there is no caller: a signed-in console account, or ``None`` to find
    it from the AccessKeyId or the RoleArn (:func:`trail_account`)."""
    additional: Mapping[str, Any] | None = None
    """``additionalEventData`` (a console sign-in's ``loginAccount``, ``MFAUsed``)."""
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()).upper())
    event_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    written: bool = False
    """Whether the event is in the database already (written with the change it records)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a call ended: its response body, or its error."""

    response: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None


SUCCEEDED = Outcome()


def event_rw(event_name: str) -> str:
    """``Read`` for the actions that only look (by their verb), ``Write`` for the rest."""
    return "Read" if event_name.startswith(_READ_PREFIXES) else "Write"


def trail_account(call: Call) -> str | None:
    """The account whose trail holds ``call``: the caller's; else the one named; else, for an
    anonymous federation call, the role's (from ``RoleArn``). ``None``: not knowable here (the
    writer still asks the store whose AccessKey it was)."""
    if call.caller is not None:
        return call.caller.account_id
    if call.account_id is not None:
        return call.account_id
    role_arn = call.parameters.get("RoleArn", "")
    parts = role_arn.split(":")
    if len(parts) == 5 and parts[:3] == ["acs", "ram", ""] and parts[3].isdigit():
        return parts[3]
    return None


def build_event(call: Call, outcome: Outcome, account_id: str) -> AuditEvent:
    """The stored event of ``call`` on ``account_id``'s trail."""
    caller = call.caller
    resources = referenced_resources(call.parameters)
    document: dict[str, Any] = {
        "eventId": call.event_id,
        "eventVersion": 1,
        "eventTime": call.event_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventName": call.event_name,
        "eventSource": call.source.host,
        "serviceName": call.source.service_name,
        "eventType": call.event_type,
        "eventRW": event_rw(call.event_name),
        "apiVersion": call.api_version,
        "acsRegion": REGION,
        "requestId": call.request_id,
        "sourceIpAddress": call.source_ip,
        "userAgent": call.user_agent,
        "userIdentity": user_identity(call, account_id),
        "requestParameters": redact_params(
            {k: v for k, v in call.parameters.items() if k not in _PROTOCOL_PARAMETERS}
        ),
        "responseElements": (
            None if outcome.response is None else redact_document(outcome.response)
        ),
        "referencedResources": _grouped(resources),
    }
    if call.additional is not None:
        document["additionalEventData"] = dict(call.additional)
    if outcome.error_code is not None:
        document["errorCode"] = outcome.error_code
        document["errorMessage"] = outcome.error_message or ""
    return AuditEvent(
        event_id=call.event_id,
        account_id=account_id,
        event_time=call.event_time,
        event_name=call.event_name,
        event_source=call.source.host,
        service_name=call.source.service_name,
        event_type=call.event_type,
        event_rw=document["eventRW"],
        api_version=call.api_version,
        user_name=caller.user_name
        if caller is not None and caller.identity_type == "RAMUser"
        else None,
        access_key_id=caller.access_key_id if caller is not None else call.access_key_id,
        error_code=outcome.error_code,
        request_id=call.request_id,
        document=document,
        resources=resources,
    )


def user_identity(call: Call, account_id: str) -> dict[str, Any]:
    """``userIdentity`` as the real trail writes it for each kind of principal."""
    caller = call.caller
    if caller is None:
        identity: dict[str, Any] = {"type": "unknown", "accountId": account_id}
        if call.access_key_id:
            identity["accessKeyId"] = call.access_key_id
        return identity
    identity = {
        "type": _IDENTITY_TYPES[caller.identity_type],
        "principalId": caller.principal_id,
        "accountId": caller.account_id,
        "accessKeyId": caller.access_key_id,
    }
    if caller.identity_type == "Account":
        identity["userName"] = "root"
    elif caller.identity_type == "RAMUser":
        identity["userName"] = caller.user_name
    else:
        identity["userName"] = f"{caller.role_name}:{caller.session_name}"
        identity["sessionContext"] = {
            "attributes": {
                "creationDate": _epoch_text(caller.issued_at_epoch),
                "mfaAuthenticated": "false",
            },
            "sessionIssuer": {
                "type": "role",
                "principalId": caller.role_id,
                "accountId": caller.account_id,
                "userName": caller.role_name,
            },
        }
    return identity


_IDENTITY_TYPES = {
    "Account": "root-account",
    "RAMUser": "ram-user",
    "AssumedRoleUser": "assumed-role",
}

_NAMED_RESOURCES = (
    ("UserName", "ACS::RAM::User"),
    ("NewUserName", "ACS::RAM::User"),
    ("UserPrincipalName", "ACS::RAM::User"),
    ("GroupName", "ACS::RAM::Group"),
    ("NewGroupName", "ACS::RAM::Group"),
    ("RoleName", "ACS::RAM::Role"),
    ("NewRoleName", "ACS::RAM::Role"),
    ("RoleArn", "ACS::RAM::Role"),
    ("PolicyName", "ACS::RAM::Policy"),
    ("UserAccessKeyId", "ACS::RAM::AccessKey"),
    ("OIDCProviderName", "ACS::RAM::OIDCProvider"),
    ("SAMLProviderName", "ACS::RAM::SAMLProvider"),
    ("VirtualMFADeviceName", "ACS::RAM::VirtualMFADevice"),
    ("SerialNumber", "ACS::RAM::VirtualMFADevice"),
)
"""Parameters that name a resource, and its type (``referencedResources``). A key is named by
``UserAccessKeyId``: ``AccessKeyId`` is an RPC v1 request's own."""

_PROTOCOL_PARAMETERS = frozenset(
    {
        "AccessKeyId",
        "Action",
        "Format",
        "SecurityToken",
        "Signature",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureType",
        "SignatureVersion",
        "Timestamp",
        "Version",
    }
)
"""What signs and routes an RPC v1 request rather than asks anything: not ``requestParameters``
(the event has its own fields for the action, version and AccessKeyId)."""


def referenced_resources(parameters: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``(type, name)`` of every resource the parameters name, each once, in their order."""
    found: list[tuple[str, str]] = []
    for name, kind in _NAMED_RESOURCES:
        value = parameters.get(name)
        if value:
            found.append((kind, _resource_name(name, value)))
    return tuple(dict.fromkeys(found))


def _resource_name(parameter: str, value: str) -> str:
    """The resource's name in a parameter's value: a role's in its ARN, a user's in its
    principal name (``alice@123.onaliyun.com``), a device's in its serial number."""
    if parameter in ("RoleArn", "SerialNumber"):
        return value.rpartition("/")[2]
    if parameter == "UserPrincipalName":
        return value.partition("@")[0]
    return value


def _grouped(resources: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for kind, name in resources:
        grouped.setdefault(kind, []).append(name)
    return grouped


def _epoch_text(epoch: int | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
