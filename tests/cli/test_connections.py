"""A server's connections (:class:`ramsts.cli.connections.ConnectionBound`), for any order in
which connections open, send their heads, are answered and close: never more open than the
bound, none left waiting for a head past the header timeout, none closed while busy."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from ramsts.cli.connections import ConnectionBound

LIMIT, TIMEOUT = 4, 5.0


@dataclass(eq=False)
class FakeConnection:
    closed: bool = False
    closed_by_server: bool = False
    busy: bool = False

    def close_connection(self) -> None:
        self.closed = self.closed_by_server = True


steps = st.lists(
    st.tuples(
        st.sampled_from(["open", "head", "answer", "close", "sweep"]),
        st.integers(0, 50),  # which connection
        st.floats(0, 3),  # seconds since the previous step
    ),
    max_size=60,
)


@given(steps)
def test_the_bound_holds_for_any_sequence_of_events(events: list[tuple[str, int, float]]) -> None:
    bound = ConnectionBound(LIMIT, TIMEOUT)
    connections: list[FakeConnection] = []
    waiting_since: dict[int, float] = {}
    now = 0.0
    for event, pick, elapsed in events:
        now += elapsed
        live = [c for c in connections if not c.closed]
        if event == "open":
            newcomer = FakeConnection()
            if bound.admit(newcomer, now):
                connections.append(newcomer)
                waiting_since[id(newcomer)] = now
            else:  # refused only when every one of the bound is busy
                assert len(live) == LIMIT and all(c.busy for c in live)
        elif live:
            connection = live[pick % len(live)]
            if event == "head" and not connection.busy:
                connection.busy = True
                bound.busy(connection)
            elif event == "answer" and connection.busy:
                connection.busy = False
                bound.waiting(connection, now)
                waiting_since[id(connection)] = now
            elif event == "close":
                connection.closed = True
                bound.release(connection)
        if event == "sweep":
            bound.sweep(now)
            for connection in connections:
                if not connection.closed and not connection.busy:
                    assert now - waiting_since[id(connection)] < TIMEOUT
        assert bound.open == sum(not c.closed for c in connections) <= LIMIT
        assert not any(c.closed_by_server and c.busy for c in connections)


def test_at_the_bound_the_connection_that_waited_longest_makes_room() -> None:
    bound = ConnectionBound(2, TIMEOUT)
    first, second, third = FakeConnection(), FakeConnection(), FakeConnection()
    assert bound.admit(first, 0.0)
    assert bound.admit(second, 1.0)

    assert bound.admit(third, 2.0)

    assert (first.closed, second.closed, third.closed) == (True, False, False)


def test_on_an_event_loop_a_stalled_connection_is_swept_without_being_asked() -> None:
    async def scenario() -> bool:
        loop = asyncio.get_running_loop()
        bound = ConnectionBound(10, 0.05)
        connection = FakeConnection()
        bound.admit(connection, loop.time())
        bound.keep_sweeping(loop)
        for _ in range(500):  # a generous bound: the sweep is due after 0.05 s
            if connection.closed:
                break
            await asyncio.sleep(0.01)
        return connection.closed_by_server and bound.open == 0

    assert asyncio.run(scenario())
