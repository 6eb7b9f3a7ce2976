"""The same benchmarks on two checkouts' code, in one run: before a change (a git ref, or a
folder's ``src/``) and after it (this checkout), so that a redesign can show it kept its
figures. Issue #15 names the five: a policy decision, AssumeRole, GetUser, and the guard in
local and remote mode.

Each measurement runs in a child process of its own whose ``PYTHONPATH`` puts one side's
``src/`` first (the servers it starts inherit it); the benchmark code itself is this
checkout's, so both sides are measured by the same harness. Rounds alternate the sides
(before, after, after, before…), and the best of the rounds is kept per side: load from
elsewhere on the machine slows a run, it never speeds one up.

    .venv/bin/python bench/before_after.py --before main
    .venv/bin/python bench/before_after.py --before-src ../other/src --rounds 3
    .venv/bin/python bench/before_after.py --before HEAD~5 --only assume_role,get_user

| measurement | what | figure |
| --- | --- | --- |
| ``policy`` | ``policy_bench``'s ramsts engine on its workload, one decision at a time | median µs (lower is better) |
| ``assume_role`` | pre-signed AssumeRole against ``ramsts serve``, 2 workers, SQLite | req/s, closed loop |
| ``get_user`` | pre-signed GetUser (RPC v1) against ``ramsts serve``, 2 workers, SQLite | req/s |
| ``guard_local`` / ``guard_remote`` | ``guard_bench``'s guarded app, 2 workers | req/s |
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
MEASUREMENTS = ("policy", "assume_role", "get_user", "guard_local", "guard_remote")
LOWER_IS_BETTER = {"policy"}
UNITS = {"policy": "µs", "assume_role": "/s", "get_user": "/s"}


# -- in the child: one measurement on whichever ramsts is first on the path ----------------


def measure_policy(requests: int) -> float:
    from policy_bench import DEFAULT_WORKLOAD, build_engine, load_workload, measure, timer_cost

    workload = load_workload(DEFAULT_WORKLOAD, 20240611, requests)
    overhead = timer_cost(workload.requests)
    (engine,) = build_engine("ramsts", workload.policies)
    return float(measure(engine, workload.requests, overhead)["median_us"])


@contextmanager
def _server(workers: int = 2) -> Iterator[Any]:
    from api_bench import fresh_database, start_server
    from ramsts.crypto import MasterKey

    with (
        tempfile.TemporaryDirectory(prefix="ramsts-before-after-") as data_dir,
        fresh_database(None, Path(data_dir)) as db_url,
        start_server(
            db_url, workers, Path(data_dir), MasterKey.generate().encoded(), "warning"
        ) as server,
    ):
        yield server


def measure_assume_role(requests: int) -> float:
    from loadgen import run_load
    from sts_bench import prepare_assume_role

    with _server() as server:
        sign = prepare_assume_role(server)
        run_load(server.url, sign(200), concurrency=4)
        return _rate(run_load(server.url, sign(requests), concurrency=32))


def measure_get_user(requests: int) -> float:
    from api_bench import rpc_v1
    from loadgen import run_load

    with _server() as server:
        user_name = f"bench-{uuid.uuid4().hex[:6]}"
        status, body = server.send(rpc_v1(server, "POST", "CreateUser", {"UserName": user_name}))
        if status != 200:
            raise RuntimeError(f"CreateUser answered {status}: {body}")

        def sign(count: int) -> list[Any]:
            return [rpc_v1(server, "GET", "GetUser", {"UserName": user_name}) for _ in range(count)]

        run_load(server.url, sign(200), concurrency=4)
        return _rate(run_load(server.url, sign(requests), concurrency=32))


def measure_guard(mode: str, requests: int) -> float:
    from api_bench import fresh_database
    from guard_bench import _requests, _stop, guarded_world
    from loadgen import run_load

    with (
        tempfile.TemporaryDirectory(prefix="ramsts-before-after-") as folder,
        fresh_database(None, Path(folder)) as db_url,
        guarded_world(folder, db_url) as world,
    ):
        port, guarded = world.serve_guarded(mode, 2)
        try:
            url = f"http://127.0.0.1:{port}"
            run_load(url, _requests(world.session, 500), concurrency=16)
            count = requests if mode == "local" else requests // 4
            return _rate(run_load(url, _requests(world.session, count), concurrency=64))
        finally:
            _stop(guarded)


def _rate(result: Any) -> float:
    if result.errors or set(result.statuses) != {200}:
        raise RuntimeError(f"not every answer was 200: {result.format()}")
    return float(result.rate)


MEASURE: dict[str, Callable[[int], float]] = {
    "policy": measure_policy,
    "assume_role": measure_assume_role,
    "get_user": measure_get_user,
    "guard_local": lambda n: measure_guard("local", n),
    "guard_remote": lambda n: measure_guard("remote", n),
}


# -- in the parent: both sides, in turn --------------------------------------------------


@contextmanager
def checkout_src(ref: str) -> Iterator[Path]:
    """``ref``'s ``src/``, in a detached worktree removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ramsts-before-"))
    subprocess.run(
        ["git", "-C", str(REPOSITORY), "worktree", "add", "--detach", "--quiet", str(folder), ref],
        check=True,
    )
    try:
        yield folder / "src"
    finally:
        subprocess.run(
            ["git", "-C", str(REPOSITORY), "worktree", "remove", "--force", str(folder)],
            check=False,
        )


def run_child(src: Path, name: str, requests: int) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(BENCH)])}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env.pop(proxy, None)
    command = [sys.executable, str(Path(__file__)), "--child", name, "--requests", str(requests)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name} on {src} failed:\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if answer["ramsts"] != str(src / "ramsts" / "__init__.py"):
        raise RuntimeError(f"{name} measured {answer['ramsts']}, not {src}")
    return float(answer["value"])


def compare(
    before: Path, after: Path, names: Sequence[str], rounds: int, requests: int
) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        figures: dict[str, list[float]] = {"before": [], "after": []}
        for round_ in range(rounds):
            sides = [("before", before), ("after", after)]
            for side, src in sides if round_ % 2 == 0 else reversed(sides):
                count = requests * 4 if name == "policy" else requests
                figures[side].append(run_child(src, name, count))
        pick = min if name in LOWER_IS_BETTER else max
        best_before, best_after = pick(figures["before"]), pick(figures["after"])
        ratio = best_before / best_after if name in LOWER_IS_BETTER else best_after / best_before
        row = {"name": name, "before": best_before, "after": best_after, "ratio": ratio}
        rows.append({**row, "runs": figures})
        print(_format(row), flush=True)
    return rows


def _format(row: dict[str, Any]) -> str:
    unit = UNITS.get(row["name"], "/s")
    return (
        f"{row['name']:<13} before {row['before']:>10,.2f}{unit:<3} after {row['after']:>10,.2f}"
        f"{unit:<3} after/before {row['ratio']:.2f}× (higher is better)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmarks before and after a change.")
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--before", default="main", help="git ref of the baseline (default main)")
    side.add_argument("--before-src", type=Path, help="the baseline's src/ folder instead")
    parser.add_argument("--after-src", type=Path, default=REPOSITORY / "src")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help="measurements to run")
    parser.add_argument("--rounds", type=int, default=2, help="runs per side (default 2)")
    parser.add_argument("--requests", type=int, default=5000, help="requests per run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--child", choices=MEASUREMENTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(MEASUREMENTS)
    if unknown:
        parser.error(f"unknown measurements: {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        import ramsts

        value = MEASURE[args.child](args.requests)
        print(json.dumps({"value": value, "ramsts": ramsts.__file__}))
        return 0
    with (
        checkout_src(args.before) if args.before_src is None else nullcontext(args.before_src)
    ) as before:
        label = args.before if args.before_src is None else str(args.before_src)
        print(f"before: {label} ({before}); after: {args.after_src}", flush=True)
        rows = compare(
            before.resolve(), args.after_src.resolve(), args.only, args.rounds, args.requests
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
