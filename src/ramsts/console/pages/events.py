"""Events: the account's audit trail as ActionTrail's event history shows it, a list filtered by
time range, event name, user, resource name, read/write and AccessKey id, page by page, and an
event's detail (its whole document). Both run LookupEvents' use case as the signed-in caller,
so a caller not allowed ``actiontrail:LookupEvents`` is told why, as on every page.

The filters are read as LookupEvents reads its parameters
(:func:`ramsts.actiontrail.wire.event_query`), so a bad time or a tampered page link is refused
with the API's own code.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ramsts.actiontrail.events import lookup_events
from ramsts.actiontrail.wire import event_query
from ramsts.console.site import Site
from ramsts.console.visits import Visit, signed_in_page
from ramsts.errors import RamstsError
from ramsts.parameters import Parameters
from ramsts.ram.rendering import iso8601

PAGE_SIZE = "20"
FILTERS = ("EventName", "User", "ResourceName", "EventRW", "EventAccessKeyId")
"""The form's filters, each a LookupAttribute of its name; two at most, as the API takes."""
EARLIEST = "1970-01-01T00:00:00Z"
"""Where an event's detail looks from: any event the trail still keeps."""


def list_events(visit: Visit) -> Response:
    values = {name: visit.query(name) for name in ("StartTime", "EndTime", *FILTERS)}
    params = {
        "StartTime": values["StartTime"],
        "EndTime": values["EndTime"],
        "MaxResults": PAGE_SIZE,
        "NextToken": visit.query("NextToken"),
    }
    given = [name for name in FILTERS if values[name]]
    for number, name in enumerate(given, start=1):
        params[f"LookupAttribute.{number}.Key"] = name
        params[f"LookupAttribute.{number}.Value"] = values[name]
    context: dict[str, Any] = {"values": values, "events": []}
    try:
        page = visit.act(lookup_events, event_query(Parameters(params)))
    except RamstsError as error:
        return visit.render(
            "events.html", status=error.http_status, problem=visit.problem(error), **context
        )
    if page.next_token is not None:
        kept = {name: value for name, value in values.items() if value}
        context["next_page"] = urlencode({**kept, "NextToken": page.next_token})
    context.update(events=page.events, start=iso8601(page.start), end=iso8601(page.end))
    return visit.render("events.html", **context)


def show_event(visit: Visit) -> Response:
    event_id = visit.path("event_id")
    query = event_query(
        Parameters(
            {
                "StartTime": EARLIEST,
                "EndTime": iso8601(visit.site.ram.now()),
                "LookupAttribute.1.Key": "EventId",
                "LookupAttribute.1.Value": event_id,
            }
        )
    )
    page = visit.act(lookup_events, query)
    if not page.events:
        return visit.render("event.html", status=404, event_id=event_id, event=None)
    event = page.events[0]
    # Laid out for reading; the template escapes it like any text.
    document = json.dumps(event, indent=2, ensure_ascii=False)
    return visit.render("event.html", event_id=event_id, event=event, document=document)


def routes(site: Site) -> list[BaseRoute]:
    return [
        Route("/events", signed_in_page(site, list_events), methods=["GET"]),
        Route("/events/{event_id}", signed_in_page(site, show_event), methods=["GET"]),
    ]
