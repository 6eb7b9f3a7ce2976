"""Policy decision benchmark: ramsts against moto, cedarpy and casbin, in one run.

The workload comes from the deterministic generator (`bench/policy_workload.py`, or `--workload`):
10 identity policies of 20 statements (wildcards, 10% Deny, 10% with a Condition) and up to
20,000 mostly distinct requests, each with its reference decision. Every engine compiles the
policies once, turns each request into its native form (untimed), and then decides the requests
one call at a time, each call timed with `perf_counter_ns` less the timer's own cost. Decisions
are checked against the reference (`expected`, or `expected_nocond` for engines that drop
conditions) and the agreement is reported with the per-decision median, mean and p99.

ramsts is also measured on 10,000 statements of which the same few match (scaling), and for the
cost of parsing and compiling policies. Targets are printed beside the figures. The process is
pinned to one core where the platform allows it.

    python bench/policy_bench.py [--requests N] [--quick] [--only ramsts,cedarpy] [--json]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from peers import Engine, Reference

DEFAULT_WORKLOAD = Path(__file__).resolve().parent / "policy_workload.py"
ENGINES = ("ramsts", "moto", "cedarpy", "casbin")

MEDIAN_TARGET_US = 5.0
CEDAR_RATIO_TARGET = 50.0
MOTO_RATIO_TARGET = 60.0
SCALING_TARGET = 2.0
COMPILE_TARGET_US_PER_100 = 1000.0

SCALE_STATEMENTS = 10_000
QUICK_REQUESTS = 300
QUICK_SCALE_STATEMENTS = 2_000
SCALE_REQUESTS = 5_000
WARMUP_REQUESTS = 200
CEDAR_BATCH = 100
FILLER_ACCOUNT = "9999999999999999"


@dataclass
class Workload:
    policies: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    generator: ModuleType

    @property
    def statements(self) -> list[dict[str, Any]]:
        return list(self.generator.all_statements(self.policies))


def load_workload(path: Path, seed: int, requests: int | None) -> Workload:
    """Run the workload generator in-process (it writes nothing when used this way)."""
    spec = importlib.util.spec_from_file_location("bench_workload", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load the workload generator at {path}")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    if requests is not None:
        generator.N_REQ = requests
    rng = random.Random(seed)
    world = generator.World(rng)
    policies = generator.gen_policies(rng, world)
    return Workload(
        policies, generator.gen_requests(rng, world, generator.all_statements(policies)), generator
    )


def filler_policies(workload: Workload, statements: int, seed: int) -> list[dict[str, Any]]:
    """Policies that never match a workload request, in the generator's shape and mix.

    Half name services the requests never use; half name the workload's own services with a verb
    the requests never use and resources in another account, so an index by service alone does
    not dismiss them. 10% are Deny, 10% carry a Condition, as in the workload.
    """
    gen = workload.generator
    rng = random.Random(seed)
    per_policy = gen.N_STMTS
    policies = []
    for p in range(statements // per_policy):
        body = []
        for _ in range(per_policy):
            if rng.random() < 0.5:
                service = f"svc{rng.randrange(100, 1000)}"
                verb = rng.choice(gen.WILDCARD_VERBS + gen.EXACT_VERBS)
            else:
                service = f"svc{rng.randrange(gen.N_SERVICES_POLICY)}"
                verb = "Archive"
            action = f"{service}:{verb}" + ("*" if rng.random() < 0.4 else rng.choice(gen.NOUNS))
            rtype = rng.choice(list(gen.RTYPES))
            resource = rng.choice(
                [
                    f"acs:{service}:*:{FILLER_ACCOUNT}:{rtype}/*",
                    f"acs:{service}:{rng.choice(gen.REGIONS)}:{FILLER_ACCOUNT}:{rtype}/"
                    f"{gen.RTYPES[rtype]}{rng.randrange(16**6):06x}",
                    f"acs:{service}:*:*:*" if verb == "Archive" else f"acs:{service}:*:*:{rtype}/*",
                ]
            )
            statement: dict[str, Any] = {
                "Effect": "Deny" if rng.random() < gen.DENY_FRACTION else "Allow",
                "Action": action,
                "Resource": resource,
            }
            if rng.random() < gen.COND_FRACTION:
                statement["Condition"] = {"StringEquals": {f"{service}:Tier": "gold"}}
            body.append(statement)
        policies.append(
            {"PolicyName": f"filler-{p:04d}", "PolicyDocument": {"Version": "1", "Statement": body}}
        )
    return policies


class RamstsEngine:
    name = "ramsts"
    reference: Reference = "expected"

    def __init__(self, policies: Sequence[dict[str, Any]]) -> None:
        from ramsts.policy import Request, compile_policy_set, evaluate, parse_policy

        parsed = [
            (p["PolicyName"], parse_policy(p["PolicyDocument"], kind="identity")) for p in policies
        ]
        self._policy_set = compile_policy_set(parsed)
        self._request = Request
        self._evaluate = evaluate

    def prepare(self, request: dict[str, Any]) -> Any:
        return self._request(
            action=request["action"], resource=request["resource"], context=request["context"]
        )

    def decide(self, prepared: Any) -> bool:
        return bool(self._evaluate(prepared, identity=self._policy_set).effect == "Allow")


def build_engine(key: str, policies: Sequence[dict[str, Any]]) -> list[Engine]:
    """The engines behind one `--only` key (cedarpy is reported per call and per batch)."""
    if key == "ramsts":
        return [RamstsEngine(policies)]
    if key == "moto":
        from peers.moto_iam import MotoIamEngine

        return [MotoIamEngine(policies)]
    if key == "cedarpy":
        from peers.cedar import CedarBatchEngine, CedarEngine

        return [CedarEngine(policies), CedarBatchEngine(policies)]
    from peers.casbin_peer import CasbinEngine

    return [CasbinEngine(policies)]


# ---------------------------------------------------------------- timing
def time_each(
    decide: Callable[[Any], bool], prepared: Sequence[Any]
) -> tuple[list[bool], list[int]]:
    """Decide every request once, timing each call (ns, timer cost included)."""
    clock = time.perf_counter_ns
    decisions, samples = [], []
    for request in prepared:
        start = clock()
        allowed = decide(request)
        samples.append(clock() - start)
        decisions.append(allowed)
    return decisions, samples


def timer_cost(prepared: Sequence[Any]) -> int:
    """The median cost of the timing loop around a call that does nothing."""
    return int(statistics.median(time_each(lambda _: False, prepared[:2000])[1]))


def time_batches(engine: Any, prepared: Sequence[Any]) -> tuple[list[bool], list[float]]:
    """Decide in batches of CEDAR_BATCH; one sample per batch, as ns per decision."""
    decisions: list[bool] = []
    samples = []
    for start in range(0, len(prepared), CEDAR_BATCH):
        chunk = prepared[start : start + CEDAR_BATCH]
        began = time.perf_counter_ns()
        decisions.extend(engine.decide_batch(chunk))
        samples.append((time.perf_counter_ns() - began) / len(chunk))
    return decisions, samples


def summarize(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": statistics.median(ordered) / 1000,
        "mean_us": statistics.fmean(ordered) / 1000,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000,
    }


def agreement(decisions: Sequence[bool], requests: Sequence[dict[str, Any]], ref: str) -> float:
    agreed = sum(d == r[ref] for d, r in zip(decisions, requests, strict=True))
    return 100.0 * agreed / len(requests)


def measure(engine: Engine, requests: Sequence[dict[str, Any]], overhead: int) -> dict[str, Any]:
    # Warm up on separately prepared requests: an engine may cache work on its request objects.
    for request in requests[:WARMUP_REQUESTS]:
        engine.decide(engine.prepare(request))
    prepared = [engine.prepare(r) for r in requests]
    gc.collect()
    if getattr(engine, "timed_in_batches", False):
        decisions, samples = time_batches(engine, prepared)
    else:
        decisions, raw = time_each(engine.decide, prepared)
        samples = [max(0, s - overhead) for s in raw]
    return {
        "reference": engine.reference,
        "decisions": len(decisions),
        "agreement_pct": agreement(decisions, requests, engine.reference),
        "samples": samples,
        **summarize(samples),
    }


def measure_compile(policies: Sequence[dict[str, Any]], repeats: int) -> dict[str, float]:
    """Median cost of parse_policy over all policies and of compile_policy_set, per 100 stmts.

    Measured as a server pays it (collector on), and again with the collector off: one full
    collection, walking every object of the process, can cost more than the compiling itself.
    """
    from ramsts.policy import compile_policy_set, parse_policy

    count = sum(len(p["PolicyDocument"]["Statement"]) for p in policies)
    costs: dict[str, list[int]] = {"parse": [], "compile": [], "compile_nogc": []}
    for collector_on in (True, False):
        for _ in range(repeats):
            gc.collect()
            if not collector_on:
                gc.disable()
            try:
                began = time.perf_counter_ns()
                parsed = [
                    (p["PolicyName"], parse_policy(p["PolicyDocument"], kind="identity"))
                    for p in policies
                ]
                parsed_at = time.perf_counter_ns()
                compile_policy_set(parsed)
                ended = time.perf_counter_ns()
            finally:
                gc.enable()
            if collector_on:
                costs["parse"].append(parsed_at - began)
            costs["compile" if collector_on else "compile_nogc"].append(ended - parsed_at)
    per_100 = {f"{k}_us_per_100": statistics.median(v) / 10 / count for k, v in costs.items()}
    return {"statements": count, **per_100}


def measure_scaling(
    workload: Workload, base_samples: Sequence[float], args: argparse.Namespace, overhead: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """ramsts on `--scale-statements` statements, the workload's own among fillers."""
    fillers = filler_policies(workload, args.scale_statements - len(workload.statements), args.seed)
    policies = fillers + workload.policies
    random.Random(args.seed).shuffle(policies)
    subset = workload.requests[: args.scale_requests]
    result = measure(RamstsEngine(policies), subset, overhead)
    base = summarize(base_samples[: len(subset)])
    result.update(
        statements=sum(len(p["PolicyDocument"]["Statement"]) for p in policies),
        base_median_us=base["median_us"],
        base_mean_us=base["mean_us"],
        ratio=result["median_us"] / base["median_us"],
        mean_ratio=result["mean_us"] / base["mean_us"],
    )
    return result, policies


# ---------------------------------------------------------------- report
def target(name: str, value: float, limit: float, unit: str, *, at_least: bool) -> dict[str, Any]:
    met = value >= limit if at_least else value <= limit
    bound = f"{'≥' if at_least else '≤'} {limit:g}{unit}"
    return {"name": name, "value": value, "unit": unit, "target": bound, "met": met}


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    engines = report["engines"]
    if "ramsts" not in engines:
        return []
    ramsts = engines["ramsts"]["median_us"]
    rows = [target("ramsts median per decision", ramsts, MEDIAN_TARGET_US, " µs", at_least=False)]
    for name, limit in (
        ("cedarpy per-call", CEDAR_RATIO_TARGET),
        ("moto IAMPolicy", MOTO_RATIO_TARGET),
    ):
        if name in engines:
            ratio = engines[name]["median_us"] / ramsts
            rows.append(target(f"{name} / ramsts (median)", ratio, limit, "×", at_least=True))
    scaling = report["scaling"]
    rows.append(
        target(
            f"{scaling['statements']:,} vs 200 statements (median)",
            scaling["ratio"],
            SCALING_TARGET,
            "×",
            at_least=False,
        )
    )
    for cost in report["compile"]:
        rows.append(
            target(
                f"compile_policy_set per 100 statements ({cost['statements']:,})",
                cost["compile_us_per_100"],
                COMPILE_TARGET_US_PER_100,
                " µs",
                at_least=False,
            )
        )
    return rows


def render(report: dict[str, Any]) -> str:
    w = report["workload"]
    lines = [
        f"workload  {w['statements']} statements ({w['deny']} Deny, {w['conditional']} with a "
        f"Condition) in {w['policies']} policies; {w['requests']:,} requests, "
        f"{w['allowed_pct']:.1f}% allowed",
        f"timing    one call at a time, timer cost {report['timer_cost_ns']} ns subtracted; "
        f"{report['cpu']}; Python {report['python']}",
        "",
        f"{'engine':<18} {'judged on':<16} {'agree':>8} {'median µs':>10} {'mean µs':>9} "
        f"{'p99 µs':>9} {'median ×':>9} {'mean ×':>8}",
    ]
    base = report["engines"].get("ramsts")
    for name, e in report["engines"].items():
        median_x = f"{e['median_us'] / base['median_us']:.1f}" if base else "-"
        mean_x = f"{e['mean_us'] / base['mean_us']:.1f}" if base else "-"
        lines.append(
            f"{name:<18} {e['reference']:<16} {e['agreement_pct']:>7.2f}% {e['median_us']:>10.2f} "
            f"{e['mean_us']:>9.2f} {e['p99_us']:>9.2f} {median_x:>9} {mean_x:>8}"
        )
    if "scaling" in report:
        s = report["scaling"]
        lines += [
            "",
            f"scaling   {s['statements']:,} statements, the same few match: median "
            f"{s['median_us']:.2f} µs on {s['decisions']:,} requests ({s['agreement_pct']:.2f}% "
            f"agree) = {s['ratio']:.2f}× the 200-statement {s['base_median_us']:.2f} µs; mean "
            f"{s['mean_us']:.2f} µs = {s['mean_ratio']:.2f}× {s['base_mean_us']:.2f} µs",
        ]
        for c in report["compile"]:
            lines.append(
                f"compile   {c['statements']:,} statements: parse_policy {c['parse_us_per_100']:.0f} "
                f"µs, compile_policy_set {c['compile_us_per_100']:.0f} µs per 100 statements "
                f"({c['compile_nogc_us_per_100']:.0f} µs with the garbage collector off)"
            )
    if report["targets"]:
        lines += ["", "targets"]
        for t in report["targets"]:
            value = f"{t['value']:.2f}{t['unit']}"
            verdict = "met" if t["met"] else "MISSED"
            lines.append(f"  {t['name']:<46} {value:>12}   {t['target']:<10} {verdict}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    workload = load_workload(args.workload, args.seed, args.requests)
    statements = workload.statements
    requests = workload.requests
    overhead = timer_cost(requests)
    report: dict[str, Any] = {
        "workload": {
            "seed": args.seed,
            "policies": len(workload.policies),
            "statements": len(statements),
            "deny": sum(s["Effect"] == "Deny" for s in statements),
            "conditional": sum("Condition" in s for s in statements),
            "requests": len(requests),
            "allowed_pct": 100.0 * sum(r["expected"] for r in requests) / len(requests),
        },
        "timer_cost_ns": overhead,
        "cpu": args.cpu,
        "python": sys.version.split()[0],
        "engines": {},
    }
    # ramsts goes first, scaling and compile cost included, before a peer's import (moto's is
    # large) grows the heap that every garbage collection then walks.
    for key in args.only:
        for engine in build_engine(key, workload.policies):
            report["engines"][engine.name] = measure(engine, requests, overhead)
        if key == "ramsts":
            base = report["engines"]["ramsts"]["samples"]
            report["scaling"], scaled = measure_scaling(workload, base, args, overhead)
            report["compile"] = [
                measure_compile(workload.policies, repeats=5 if args.quick else 20),
                measure_compile(scaled, repeats=1 if args.quick else 5),
            ]
    report["targets"] = targets(report)
    for result in [*report["engines"].values(), report.get("scaling", {})]:
        result.pop("samples", None)
    return report


def pin_to_one_core() -> tuple[str, set[int] | None]:
    """Pin the process to CPU 0; returns a description and the affinity to restore."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)", None
    previous = os.sched_getaffinity(0)
    cpu = min(previous)
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}", previous


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", type=Path, default=DEFAULT_WORKLOAD, help="generator path")
    parser.add_argument("--seed", type=int, default=20240611, help="workload seed")
    parser.add_argument("--requests", type=int, help="number of requests (default 20,000)")
    parser.add_argument("--quick", action="store_true", help="a small run for CI smoke tests")
    parser.add_argument(
        "--only", default=",".join(ENGINES), help=f"comma-separated subset of {', '.join(ENGINES)}"
    )
    parser.add_argument("--scale-statements", type=int, help="statements for the scaling run")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    chosen = {key.strip() for key in args.only.split(",") if key.strip()}
    unknown = sorted(chosen - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine(s) {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    args.only = [key for key in ENGINES if key in chosen]
    if args.quick:
        args.requests = args.requests or QUICK_REQUESTS
    if args.scale_statements is None:
        args.scale_statements = QUICK_SCALE_STATEMENTS if args.quick else SCALE_STATEMENTS
    args.scale_requests = SCALE_REQUESTS
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when ramsts disagrees with a reference decision."""
    args = parse_args(argv)
    args.cpu, previous_affinity = pin_to_one_core()
    try:
        report = run(args)
    finally:
        if previous_affinity is not None:
            os.sched_setaffinity(0, previous_affinity)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else render(report))
    ramsts_runs = [report["engines"].get("ramsts"), report.get("scaling")]
    return int(any(r is not None and r["agreement_pct"] < 100.0 for r in ramsts_runs))


if __name__ == "__main__":
    sys.exit(main())
