"""The console on the audit trail: each sign-in (``ConsoleSignin``, success or failure), each
sign-out and each form that changes something (``ConsoleOperation``, named after the use case),
recorded as the API records its calls (:mod:`ramsts.audit`): a change in its own transaction,
the rest queued."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ramsts.audit import CONSOLE, SIGN_IN, Call, EventSource, Outcome
from ramsts.audit.events import EventType
from ramsts.errors import RamstsError
from ramsts.request_ids import new_request_id

if TYPE_CHECKING:
    from ramsts.console.visits import Visit

_NOT_PARAMETERS = frozenset({"csrf_token"})


def console_call(
    visit: Visit,
    event_name: str,
    event_type: EventType,
    *,
    source: EventSource = CONSOLE,
    account_id: str | None = None,
    additional: dict[str, Any] | None = None,
) -> Call:
    client = visit.request.client
    return Call(
        source=source,
        event_name=event_name,
        event_type=event_type,
        request_id=new_request_id(),
        source_ip=client.host if client else "",
        user_agent=visit.request.headers.get("user-agent", ""),
        parameters={name: value for name, value in visit.form if name not in _NOT_PARAMETERS},
        caller=visit.caller,
        account_id=account_id,
        additional=additional,
    )


@contextmanager
def recorded_operation(visit: Visit, use_case: Callable[..., Any]) -> Iterator[None]:
    """Record the block as the ``ConsoleOperation`` of ``use_case`` (``create_user`` →
    ``CreateUser``) when the visit posts a form; a page only read is not recorded."""
    audit = visit.site.audit
    if audit is None or visit.request.method != "POST":
        yield
        return
    call = console_call(visit, _event_name(use_case), "ConsoleOperation")
    audit.check_room()
    try:
        with audit.recording(call):
            yield
    except RamstsError as error:
        audit.finish(call, Outcome(error_code=error.code, error_message=error.message))
        raise
    audit.finish(call)


def record_sign_in(
    visit: Visit,
    *,
    login_name: str,
    account_id: str | None,
    mfa_used: bool,
    error: tuple[str, str] | None = None,
) -> None:
    """Queue a ``ConsoleSignin`` event: a sign-in that succeeded, or one refused (``error``:
    its outcome and message). A name that names no account has no trail to go on."""
    audit = visit.site.audit
    if audit is None or account_id is None:
        return
    call = console_call(
        visit,
        "ConsoleSignin",
        "ConsoleSignin",
        source=SIGN_IN,
        account_id=account_id,
        additional={"loginAccount": login_name, "MFAUsed": "true" if mfa_used else "false"},
    )
    call.parameters = {}  # the form holds the password: the event needs none of it
    outcome = Outcome() if error is None else Outcome(error_code=error[0], error_message=error[1])
    audit.finish(call, outcome)


def record_sign_out(visit: Visit) -> None:
    audit = visit.site.audit
    if audit is None or not visit.session.account_id:
        return
    call = console_call(
        visit,
        "ConsoleSignout",
        "ConsoleSignin",
        source=SIGN_IN,
        account_id=visit.session.account_id,
    )
    audit.finish(call)


def _event_name(use_case: Callable[..., Any]) -> str:
    return "".join(
        part.capitalize() for part in getattr(use_case, "__name__", "Unknown").split("_")
    )
