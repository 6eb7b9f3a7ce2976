"""RequestIds look like the real service's: upper-case version-4 UUIDs, a new one each time."""

from __future__ import annotations

import uuid

from ramsts.request_ids import new_request_id


def test_a_request_id_is_an_upper_case_version_4_uuid() -> None:
    for _ in range(2000):
        request_id = new_request_id()
        parsed = uuid.UUID(request_id)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed).upper() == request_id


def test_request_ids_do_not_repeat() -> None:
    assert len({new_request_id() for _ in range(10_000)}) == 10_000
