"""RequestIds look like the real service's: upper-case version-4 UUIDs, a new one each time; the
audit trail's eventIds are UUIDs too, of version 7, in the order they were made."""

from __future__ import annotations

import time
import uuid

from ramsts.request_ids import new_event_id, new_request_id


def test_a_request_id_is_an_upper_case_version_4_uuid() -> None:
    for _ in range(2000):
        request_id = new_request_id()
        parsed = uuid.UUID(request_id)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed).upper() == request_id


def test_request_ids_do_not_repeat() -> None:
    assert len({new_request_id() for _ in range(10_000)}) == 10_000


def test_an_event_id_is_an_upper_case_version_7_uuid_of_its_time() -> None:
    before = time.time_ns() // 1_000_000
    event_id = new_event_id()
    after = time.time_ns() // 1_000_000
    parsed = uuid.UUID(event_id)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert str(parsed).upper() == event_id
    assert before <= parsed.int >> 80 <= after


def test_event_ids_do_not_repeat_and_later_ones_sort_after() -> None:
    first = [new_event_id() for _ in range(10_000)]
    time.sleep(0.002)
    later = new_event_id()
    assert len(set(first)) == 10_000
    assert all(event_id < later for event_id in first)
