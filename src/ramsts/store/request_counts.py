"""Request counts shared through the database: the calls each account made of a throttled
action in the current window, summed over every server (``ramsts.throttling``).

Servers do not write a row per request: each adds what it admitted since its last exchange, for
every quota key it saw, in one statement (an upsert returning the sums), about ten times a
second while it has traffic. A row holds one window: a server adding to a newer window than the
row's starts it afresh; one adding to an older window (its clock behind, or its exchange late)
changes nothing and learns the newer window's count.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ramsts.store.errors import OutageHold, translated_outages
from ramsts.store.schema import request_counts
from ramsts.store.write_gate import WriteGate, gated

WindowCount = tuple[int, int]
"""A window's start (seconds since the epoch) and the calls counted in it."""


class RequestCounts:
    """Thread-safe; one per :class:`~ramsts.store.Store`."""

    def __init__(
        self, engine: Engine, *, write_gate: WriteGate | None, outages: OutageHold | None
    ) -> None:
        self._engine = engine
        self._write_gate = write_gate
        self._outages = outages
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def add(self, counts: Sequence[tuple[str, int, int]]) -> dict[str, WindowCount]:
        """Add each ``(quota_key, window_start, calls)`` (distinct keys) to the shared counts;
        every key's window and count after the addition, everyone's calls included."""
        if not counts:
            return {}
        insert = self._insert(request_counts).values(
            [
                {"quota_key": key, "window_start": window, "request_count": calls}
                for key, window, calls in counts
            ]
        )
        stored, added = request_counts.c, insert.excluded
        same_window = added.window_start == stored.window_start
        newer_window = added.window_start > stored.window_start
        statement = insert.on_conflict_do_update(
            index_elements=[stored.quota_key],
            set_={
                "request_count": sa.case(
                    (same_window, stored.request_count + added.request_count),
                    (newer_window, added.request_count),
                    else_=stored.request_count,
                ),
                "window_start": sa.case(
                    (newer_window, added.window_start), else_=stored.window_start
                ),
            },
        ).returning(stored.quota_key, stored.window_start, stored.request_count)
        with (
            translated_outages(self._outages),
            gated(self._write_gate),
            self._engine.begin() as connection,
        ):
            rows = connection.execute(statement).all()
        return {key: (int(window), int(count)) for key, window, count in rows}
