"""AssumeRole as the server runs it, in loop work on the event loop (:mod:`ramsts.loop_work`): from
cold caches it runs once, each cache filling in a worker thread while it waits (nothing is run
again from the start, nothing blocks the loop); from warm caches it never leaves the loop."""

from __future__ import annotations

import pytest
from sts_support import Directory, Sts, user_caller

from loop_support import on_the_loop
from ramsts.ram.authorization import Authorizer
from ramsts.sts.assume_role import AssumeRole
from ramsts.sts.wire.sessions import assume_role_action


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_cold_assume_role_runs_once_its_caches_filled_off_the_loop(
    sts: Sts, directory: Directory
) -> None:
    clock = sts.clock
    authorizer = Authorizer(sts.store, sts.master_key, monotonic=clock.monotonic)
    use_case = AssumeRole(
        sts.store, authorizer, sts.key_ring, clock=clock, monotonic=clock.monotonic
    )
    runs: list[str] = []
    assume = use_case.assume

    def counted(caller, request):  # type: ignore[no-untyped-def]
        runs.append(request.session_name)
        return assume(caller, request)

    use_case.assume = counted  # type: ignore[method-assign]
    handler = assume_role_action(use_case).handler()
    alice = user_caller(directory.alice)
    reader = f"acs:ram::{directory.acme.account_id}:role/reader"

    cold = on_the_loop(lambda: handler(alice, {"RoleArn": reader, "RoleSessionName": "cold"}))
    warm = on_the_loop(lambda: handler(alice, {"RoleArn": reader, "RoleSessionName": "warm"}))

    assert cold.result["Credentials"] and warm.result["Credentials"]
    assert runs == ["cold", "warm"]  # each once: a cold cache is no reason to run it again
    assert cold.hops >= 2 and cold.blocked == 0  # the role and the caller's policies, loaded
    assert (warm.hops, warm.blocked) == (0, 0)
