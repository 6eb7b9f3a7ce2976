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
    state: str = "head"
    """Waiting for a ``head``, for the rest of its ``body``, or ``busy`` being answered."""
    since: float = 0.0
    closed: bool = False
    closed_by_server: bool = False

    def close_connection(self) -> None:
        self.closed = self.closed_by_server = True


steps = st.lists(
    st.tuples(
        st.sampled_from(["open", "head", "body", "answer", "close", "sweep"]),
        st.integers(0, 50),  # which connection
        st.floats(0, 3),  # seconds since the previous step
    ),
    max_size=60,
)


@given(steps)
def test_the_bound_holds_for_any_sequence_of_events(events: list[tuple[str, int, float]]) -> None:
    bound = ConnectionBound(LIMIT, TIMEOUT)
    connections: list[FakeConnection] = []
    now = 0.0
    for event, pick, elapsed in events:
        now += elapsed
        live = [c for c in connections if not c.closed]
        busy_before = [c for c in live if c.state == "busy"]
        if event == "open":
            newcomer = FakeConnection(since=now)
            if bound.admit(newcomer, now):
                connections.append(newcomer)
            else:  # refused only when every one of the bound is being answered
                assert len(busy_before) == len(live) == LIMIT
        elif event == "sweep":
            bound.sweep(now)
            assert all(now - c.since < TIMEOUT for c in live if c.state == "head" and not c.closed)
        elif live:
            connection = live[pick % len(live)]
            if event == "head" and connection.state == "head":
                connection.state = "body"
                bound.receiving_body(connection, now)
            elif event == "body" and connection.state == "body":
                connection.state = "busy"
                bound.busy(connection)
            elif event == "answer" and connection.state == "busy":
                connection.state, connection.since = "head", now
                bound.waiting(connection, now)
            elif event == "close":
                connection.closed = True
                bound.release(connection)
        assert bound.open == sum(not c.closed for c in connections) <= LIMIT
        assert not any(c.closed_by_server for c in busy_before)


def test_at_the_bound_the_connection_that_waited_longest_makes_room() -> None:
    bound = ConnectionBound(3, TIMEOUT)
    trickling, stalled, answered = FakeConnection(), FakeConnection(), FakeConnection()
    assert bound.admit(trickling, 0.0)
    bound.receiving_body(trickling, 1.0)  # its body has been on its way since 1.0
    assert bound.admit(stalled, 2.0)
    assert bound.admit(answered, 3.0)
    bound.receiving_body(answered, 3.0)
    bound.busy(answered)

    assert bound.admit(FakeConnection(), 4.0)
    assert bound.admit(FakeConnection(), 5.0)

    assert (trickling.closed, stalled.closed, answered.closed) == (True, True, False)


def test_a_body_may_take_longer_than_the_header_timeout() -> None:
    bound = ConnectionBound(3, TIMEOUT)
    uploading = FakeConnection()
    bound.admit(uploading, 0.0)
    bound.receiving_body(uploading, 1.0)

    bound.sweep(60.0)

    assert not uploading.closed


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
