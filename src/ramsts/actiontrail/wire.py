"""LookupEvents on the wire: its parameters read into an :class:`EventQuery` in the order the
real service documents them, and an :class:`EventPage` rendered as its response body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from ramsts.actiontrail.events import (
    DEFAULT_MAX_RESULTS,
    DIRECTIONS,
    MOST_RESULTS,
    Direction,
    EventPage,
    EventQuery,
    lookup_events,
)
from ramsts.errors import InvalidParameter
from ramsts.parameters import Parameters, TextRule
from ramsts.products import ACTIONTRAIL
from ramsts.ram.rendering import Body, iso8601
from ramsts.ram.wire.declaration import RpcAction, register_actions
from ramsts.signing.timestamps import parse_timestamp

if TYPE_CHECKING:
    from datetime import datetime

    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

ATTRIBUTE_VALUE = TextRule(1024)
MOST_NUMBERED_ATTRIBUTES = 20
"""How far ``LookupAttribute.N`` is read: past the real limit of two, so that a third is
refused rather than unseen."""


def _time(read: Parameters, name: str) -> datetime | None:
    text = read.raw(name)
    if text is None:
        return None
    moment = parse_timestamp(text)
    if moment is None:
        raise InvalidParameter(
            name, f"The parameter {name} {text!r} is not a UTC time as yyyy-MM-ddTHH:mm:ssZ."
        )
    return moment


def _attributes(read: Parameters) -> Iterator[tuple[str, str]]:
    for number in range(1, MOST_NUMBERED_ATTRIBUTES + 1):
        key = read.optional(f"LookupAttribute.{number}.Key")
        value = read.optional(f"LookupAttribute.{number}.Value", ATTRIBUTE_VALUE)
        if key is None and value is None:
            continue
        if key is None:
            raise InvalidParameter(
                "LookupAttribute.Key", f"LookupAttribute.{number} has a Value but no Key."
            )
        if value is None:
            raise InvalidParameter(
                "LookupAttribute.Value", f"LookupAttribute.{number} has a Key but no Value."
            )
        yield key, value


def event_query(read: Parameters) -> EventQuery:
    next_token = read.raw("NextToken")
    max_results = read.integer("MaxResults", minimum=0, maximum=MOST_RESULTS)
    start, end = _time(read, "StartTime"), _time(read, "EndTime")
    direction = read.choice("Direction", DIRECTIONS, default="BACKWARD")
    attributes = tuple(_attributes(read))
    given = {
        "StartTime": read.raw("StartTime"),
        "EndTime": read.raw("EndTime"),
        "Direction": read.raw("Direction"),
        "LookupAttribute": repr(attributes),
    }
    return EventQuery(
        next_token=next_token,
        max_results=DEFAULT_MAX_RESULTS if max_results is None else max_results,
        start=start,
        end=end,
        direction=cast(Direction, direction),
        attributes=attributes,
        given=given,
    )


def render_page(page: EventPage) -> Body:
    body: Body = {
        "Events": page.events,
        "StartTime": iso8601(page.start),
        "EndTime": iso8601(page.end),
    }
    if page.next_token is not None:
        body["NextToken"] = page.next_token
    return body


ACTIONS = (RpcAction("LookupEvents", event_query, lookup_events, render_page),)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS, version=ACTIONTRAIL.version)
