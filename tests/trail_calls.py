"""Calls put on the audit trail as the API and the console record them (the recorder's own
event builder, :func:`ramsts.audit.events.build_event`), for tests that read "last used" back
without running a server."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ramsts import products
from ramsts.audit.events import SIGN_IN, Call, EventSource, EventType, Outcome, build_event
from ramsts.caller import Caller
from ramsts.services import Services
from ramsts.store import Account, AuditEvent, Role, Store, User

RAM = EventSource(products.RAM.host_id, products.RAM.code)
STS = EventSource(products.STS.host_id, products.STS.code)


def root_caller(account: Account, access_key_id: str) -> Caller:
    return Caller(
        account_id=account.account_id,
        identity_type="Account",
        arn=account.root_arn,
        principal_id=account.account_id,
        access_key_id=access_key_id,
        display_name=account.account_id,
    )


def user_caller(user: User, access_key_id: str = "") -> Caller:
    return Caller(
        account_id=user.account_id,
        identity_type="RAMUser",
        arn=user.arn,
        principal_id=user.user_id,
        access_key_id=access_key_id,
        display_name=user.user_name,
        user_id=user.user_id,
        user_name=user.user_name,
    )


def call_event(
    caller: Caller | None,
    action: str,
    *,
    at: datetime,
    source: EventSource = RAM,
    parameters: Mapping[str, str] | None = None,
    error_code: str | None = None,
    event_type: EventType = "ApiCall",
    access_key_id: str | None = None,
    account_id: str | None = None,
) -> AuditEvent:
    """The event of ``caller`` calling ``action`` at ``at`` (``caller`` ``None``: a request
    that named ``access_key_id`` and did not authenticate)."""
    call = Call(
        source=source,
        event_name=action,
        event_type=event_type,
        request_id=f"req-{action}-{at.timestamp()}",
        source_ip="192.0.2.10",
        user_agent="tests",
        parameters=dict(parameters or {}),
        api_version=None if event_type != "ApiCall" else "2015-05-01",
        access_key_id=access_key_id or (caller.access_key_id if caller else None),
        caller=caller,
        account_id=account_id,
        event_time=at,
    )
    outcome = Outcome(error_code=error_code, error_message=error_code)
    trail = account_id or (caller.account_id if caller else "")
    return build_event(call, outcome, trail)


def assumed(
    caller: Caller, role: Role | str, *, at: datetime, error_code: str | None = None
) -> AuditEvent:
    """``caller``'s AssumeRole of ``role`` (or of the role ARN given)."""
    arn = role if isinstance(role, str) else role.arn
    parameters = {"RoleArn": arn, "RoleSessionName": "s"}
    return call_event(
        caller, "AssumeRole", at=at, source=STS, parameters=parameters, error_code=error_code
    )


def signed_in(user: User, *, at: datetime, error_code: str | None = None) -> AuditEvent:
    """``user``'s console sign-in."""
    return call_event(
        user_caller(user),
        "ConsoleSignin",
        at=at,
        source=SIGN_IN,
        event_type="ConsoleSignin",
        error_code=error_code,
    )


def on_trail(store: Store, *events: AuditEvent) -> None:
    with store.transaction() as tx:
        tx.audit_events.add(list(events))


def trail_written(services: Services) -> None:
    """Wait for the server's recorder to write every event queued so far (it batches)."""
    assert services.audit is not None
    assert services.audit.flush()
