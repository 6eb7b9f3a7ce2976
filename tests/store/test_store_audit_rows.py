"""The trail's rows as its writer binds them without SQLAlchemy: the same time text SQLite's
``DATETIME`` column would have been given, and documents whose JSON reads back as the value
given, whatever it holds (recording a call never fails on what the call carried)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from ramsts.store.repositories.audit_rows import document_text, sqlite_time_text
from ramsts.store.schema import audit_events
from trail_events import trail_event

AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SQLITE = sa.create_engine("sqlite://").dialect
_BIND = audit_events.c.event_time.type.dialect_impl(SQLITE).bind_processor(SQLITE)

moments = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)


@given(moments)
def test_an_event_time_is_bound_as_sqlalchemys_column_binds_it(moment: datetime) -> None:
    assert _BIND is not None
    assert sqlite_time_text(moment) == _BIND(moment)


def test_a_naive_event_time_is_refused() -> None:
    try:
        sqlite_time_text(datetime(2026, 12, 4, 12, 0))
    except ValueError:
        return
    raise AssertionError("a naive datetime was bound")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), json_values, max_size=5))
def test_a_document_reads_back_as_the_value_given_keys_in_order(document: dict[str, Any]) -> None:
    event = trail_event(at=AT, document=document)
    decoded = json.loads(document_text(event))
    assert decoded == event.document
    assert list(decoded) == list(event.document)


def test_a_value_json_has_no_type_for_is_stored_as_its_text() -> None:
    event = trail_event(at=AT, document={"at": AT, 7: "a key that is no string"})  # type: ignore[dict-item]
    decoded = json.loads(document_text(event))
    assert decoded["7"] == "a key that is no string"
    assert decoded["at"].startswith("2026-12-04")
