"""LookupEvents' ``NextToken``: where a page ended, opaque to the caller, sealed under the
master key (AES-256-GCM) so that a changed token does not open, and bound to the query it pages
through (the account and the parameters as given), so that it opens for no other.

The token also carries the time range the first page resolved: when StartTime and EndTime were
left to their defaults (the last seven days), the next page must read the same range, not one
that has moved on with the clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ramsts.crypto import MasterKey, UnsealError
from ramsts.errors import InvalidParameter
from ramsts.store import EventPosition

_CONTEXT = "actiontrail.LookupEvents.NextToken"


@dataclass(frozen=True, slots=True)
class Resumption:
    """What a NextToken holds: the query's time range and the position of its last event."""

    start: datetime
    end: datetime
    after: EventPosition


def query_binding(account_id: str, given: Mapping[str, str | None]) -> str:
    """What a token is bound to: the account and every query parameter as given (MaxResults
    aside, which may change from page to page)."""
    text = json.dumps([account_id, sorted(given.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def issue_token(master_key: MasterKey, binding: str, resumption: Resumption) -> str:
    payload = {
        "start": resumption.start.isoformat(),
        "end": resumption.end.isoformat(),
        "time": resumption.after.event_time.isoformat(),
        "seq": resumption.after.seq,
    }
    return master_key.seal(json.dumps(payload, separators=(",", ":")), f"{_CONTEXT}:{binding}")


def open_token(master_key: MasterKey, binding: str, token: str) -> Resumption:
    """The resumption ``token`` holds; ``InvalidParameter.NextToken`` for a token that was
    changed, made for another query, or never issued."""
    try:
        payload = json.loads(master_key.unseal(token, f"{_CONTEXT}:{binding}"))
        return Resumption(
            start=datetime.fromisoformat(payload["start"]),
            end=datetime.fromisoformat(payload["end"]),
            after=EventPosition(datetime.fromisoformat(payload["time"]), int(payload["seq"])),
        )
    except (UnsealError, ValueError, KeyError, TypeError) as exc:
        raise InvalidParameter(
            "NextToken",
            "The specified NextToken is invalid: it was changed, or it pages through another"
            " query (give the parameters of the request that returned it).",
        ) from exc
