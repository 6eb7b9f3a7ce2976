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

:func:`build_event` makes the stored form, :class:`~ramsts.store.EventFacts`: the redacted
members after ``userIdentity`` and the facts the rest is rendered from when the event is read
(:mod:`ramsts.store.event_documents`), so that recording a call builds no document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ramsts.caller import Caller
from ramsts.redaction import redact_document, redact_params
from ramsts.request_ids import new_event_id
from ramsts.store import UNKNOWN_IDENTITY, EventFacts

EventType = Literal["ApiCall", "ConsoleSignin", "ConsoleOperation"]

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
    event_id: str = ""
    """ActionTrail's ``eventId``, given when the event is first built (:func:`build_event`):
    not on the request's path, where most calls only queue their facts."""
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


def build_event(call: Call, outcome: Outcome, account_id: str) -> EventFacts:
    """The stored form of ``call``'s event on ``account_id``'s trail (giving ``call`` its
    ``eventId`` if it has none yet): its facts, the document's members after ``userIdentity``
    redacted; the rest of the document is rendered when it is read."""
    if not call.event_id:
        call.event_id = new_event_id()
    caller = call.caller
    resources = referenced_resources(call.parameters)
    tail: dict[str, Any] = {
        "requestParameters": redact_params(call.parameters, leave_out=_PROTOCOL_PARAMETERS),
        "responseElements": (
            None if outcome.response is None else redact_document(outcome.response)
        ),
        "referencedResources": _grouped(resources),
    }
    if call.additional is not None:
        tail["additionalEventData"] = dict(call.additional)
    if outcome.error_code is not None:
        tail["errorCode"] = outcome.error_code
        tail["errorMessage"] = outcome.error_message or ""
    role_id = role_name = session_created = None
    if caller is None:
        identity_type, principal_id, identity_name = UNKNOWN_IDENTITY, None, None
        access_key_id = call.access_key_id
    else:
        identity_type = _IDENTITY_TYPES[caller.identity_type]
        principal_id = caller.principal_id
        access_key_id = caller.access_key_id
        if caller.identity_type == "Account":
            identity_name = "root"
        elif caller.identity_type == "RAMUser":
            identity_name = caller.user_name
        else:
            identity_name = f"{caller.role_name}:{caller.session_name}"
            role_id, role_name = caller.role_id, caller.role_name
            session_created = _epoch_text(caller.issued_at_epoch)
    return EventFacts(  # by position, in the order of its fields: thousands a second
        call.event_id,
        account_id,
        call.event_time,
        call.event_name,
        call.source.host,
        call.source.service_name,
        call.event_type,
        event_rw(call.event_name),
        call.api_version,
        caller.user_name if caller is not None and caller.identity_type == "RAMUser" else None,
        access_key_id,
        outcome.error_code,
        call.request_id,
        call.source_ip,
        call.user_agent,
        identity_type,
        principal_id,
        identity_name,
        role_id,
        role_name,
        session_created,
        tail,
        resources,
    )


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
_RESOURCE_PARAMETERS = frozenset(name for name, _ in _NAMED_RESOURCES)
_RESOURCE_TYPES = dict(_NAMED_RESOURCES)

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
    named = _RESOURCE_PARAMETERS.intersection(parameters)
    if not named:
        return ()
    if len(named) == 1:  # most calls name one resource
        (only,) = named
        given = parameters[only]
        return ((_RESOURCE_TYPES[only], _resource_name(only, given)),) if given else ()
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
