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

from sqlalchemy.engine import Engine

from ramsts.store.errors import OutageHold, translated_outages
from ramsts.store.write_gate import WriteGate, gated

WindowCount = tuple[int, int]
"""A window's start (seconds since the epoch) and the calls counted in it."""


_UPSERT = (
    "INSERT INTO request_counts (quota_key, window_start, request_count) VALUES {rows}"
    " ON CONFLICT (quota_key) DO UPDATE SET"
    " request_count = CASE"
    " WHEN excluded.window_start = request_counts.window_start"
    " THEN request_counts.request_count + excluded.request_count"
    " WHEN excluded.window_start > request_counts.window_start THEN excluded.request_count"
    " ELSE request_counts.request_count END,"
    " window_start = CASE"
    " WHEN excluded.window_start > request_counts.window_start THEN excluded.window_start"
    " ELSE request_counts.window_start END"
    " RETURNING quota_key, window_start, request_count"
)
"""Both databases' upsert (every SET expression sees the row as it was). Written out rather
than built with SQLAlchemy, whose compiling cost a millisecond a merge, ten merges a second."""


class RequestCounts:
    """Thread-safe; one per :class:`~ramsts.store.Store`."""

    def __init__(
        self, engine: Engine, *, write_gate: WriteGate | None, outages: OutageHold | None
    ) -> None:
        self._engine = engine
        self._write_gate = write_gate
        self._outages = outages
        self._row = "(?, ?, ?)" if engine.dialect.paramstyle == "qmark" else "(%s, %s, %s)"

    def add(self, counts: Sequence[tuple[str, int, int]]) -> dict[str, WindowCount]:
        """Add each ``(quota_key, window_start, calls)`` (distinct keys) to the shared counts;
        every key's window and count after the addition, everyone's calls included."""
        if not counts:
            return {}
        sql = _UPSERT.format(rows=", ".join([self._row] * len(counts)))  # the values are bound
        values = tuple(value for row in counts for value in row)
        with (
            translated_outages(self._outages),
            gated(self._write_gate),
            self._engine.begin() as connection,
        ):
            rows = connection.exec_driver_sql(sql, values).all()
        return {key: (int(window), int(count)) for key, window, count in rows}
