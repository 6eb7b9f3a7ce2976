"""LookupEvents as a use case: a page of the caller's account's events (:class:`EventQuery` →
:class:`EventPage`), authorized as ``actiontrail:LookupEvents``.

The rules are the real service's: StartTime and EndTime are given both or neither (then the last
seven days), ``yyyy-MM-ddTHH:mm:ssZ`` in UTC; one or two LookupAttributes, every one matched
exactly (the same key twice: the second counts); MaxResults 0 to 50 (0: the default, 20);
Direction ``BACKWARD`` (newest first, the default) or ``FORWARD``. A caller sees only its own
account's events, whatever its policies allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ramsts.actiontrail.next_tokens import Resumption, issue_token, open_token, query_binding
from ramsts.caller import Caller
from ramsts.errors import InvalidParameter
from ramsts.parameters import out_of_range
from ramsts.products import ACTIONTRAIL
from ramsts.ram.service import RamService
from ramsts.store import EventLookup

Direction = Literal["FORWARD", "BACKWARD"]
DIRECTIONS: tuple[Direction, ...] = ("FORWARD", "BACKWARD")

LOOKUP_ACTION = ACTIONTRAIL.action("LookupEvents")
DEFAULT_RANGE = timedelta(days=7)
DEFAULT_MAX_RESULTS = 20
MOST_RESULTS = 50
MOST_ATTRIBUTES = 2

ATTRIBUTE_KEYS: tuple[str, ...] = (
    "EventName",
    "EventRW",
    "ResourceName",
    "ResourceType",
    "User",
    "EventAccessKeyId",
    "EventId",
    "ServiceName",
    "EventType",
)
"""The LookupAttribute keys ramsts filters on. The real service also takes ``SensitiveAction``,
``SourceIpAddress`` and ``RoleName``, which ramsts's trail does not index: refused, not
ignored."""


def lookup_resource(account_id: str) -> str:
    """What LookupEvents is authorized on: the account's trail in every region. (The real
    action has no resource-level permission: a policy grants it on ``*``, which this
    matches.)"""
    return f"acs:{ACTIONTRAIL.action_prefix}:*:{account_id}:*"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """LookupEvents' parameters, read and checked one by one (:mod:`ramsts.actiontrail.wire`)."""

    start: datetime | None = None
    end: datetime | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    """``(key, value)`` in the order given."""
    max_results: int = DEFAULT_MAX_RESULTS
    next_token: str | None = None
    direction: Direction = "BACKWARD"
    given: Mapping[str, str | None] = field(default_factory=dict)
    """The parameters as the request spelled them, which a NextToken is bound to."""

    def __post_init__(self) -> None:
        if not 0 <= self.max_results <= MOST_RESULTS:
            raise out_of_range("MaxResults", str(self.max_results), 0, MOST_RESULTS)
        if (self.start is None) != (self.end is None):
            missing = "EndTime" if self.end is None else "StartTime"
            raise InvalidParameter(
                missing, "StartTime and EndTime must be specified together, or neither."
            )
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InvalidParameter("StartTime", "The StartTime must not be later than EndTime.")
        if len(self.attributes) > MOST_ATTRIBUTES:
            raise InvalidParameter(
                "LookupAttribute", f"At most {MOST_ATTRIBUTES} LookupAttributes can be specified."
            )
        for key, _ in self.attributes:
            if key not in ATTRIBUTE_KEYS:
                raise InvalidParameter(
                    "LookupAttribute.Key",
                    f"The LookupAttribute key {key!r} is not supported; use one of"
                    f" {', '.join(ATTRIBUTE_KEYS)}.",
                )


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[Mapping[str, Any]]
    """The events' documents, as the real service returns them."""
    next_token: str | None
    """``None``: this was the last page."""
    start: datetime
    end: datetime


def lookup_events(ram: RamService, caller: Caller, query: EventQuery) -> EventPage:
    """A page of the caller's account's events that ``query`` asks for."""
    account_id = caller.account_id
    ram.authorizer.require(caller, LOOKUP_ACTION, lookup_resource(account_id))
    binding = query_binding(account_id, query.given)
    if query.next_token is not None:
        resumption = open_token(ram.master_key, binding, query.next_token)
        start, end, after = resumption.start, resumption.end, resumption.after
    else:
        now = ram.now()
        start = query.start or now - DEFAULT_RANGE
        end = query.end or now
        after = None
    limit = query.max_results or DEFAULT_MAX_RESULTS
    with ram.read() as tx:
        # One more than asked tells whether there is a next page.
        found = tx.audit_events.lookup(
            EventLookup(
                account_id=account_id,
                start=start,
                end=end,
                attributes=dict(query.attributes),
                after=after,
                limit=limit + 1,
                newest_first=query.direction == "BACKWARD",
            )
        )
    page, more = found[:limit], len(found) > limit
    token = None
    if more:
        token = issue_token(ram.master_key, binding, Resumption(start, end, page[-1].position()))
    return EventPage(events=[e.document for e in page], next_token=token, start=start, end=end)
