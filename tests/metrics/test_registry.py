"""The registry: components' own counts and gauges copied into the exposition, and a bound on
how many request series one process keeps, whatever codes arrive."""

from __future__ import annotations

from ramsts.metrics import Metrics
from ramsts.metrics.registry import MAX_SERIES


def exposed(metrics: Metrics) -> list[str]:
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    return [line for line in body.decode().splitlines() if not line.startswith("#")]


def test_counts_a_component_keeps_are_copied_as_they_grow() -> None:
    metrics = Metrics(copy_interval=3600)
    counts = {"access_keys": 2}
    depth = [5.0]
    metrics.add_counts("ramsts_test_hits", "Hits.", "cache", lambda: counts)
    metrics.add_gauge("ramsts_test_depth", "Depth.", lambda: depth[0])
    observe = metrics.add_histogram("ramsts_test_sizes", "Sizes.", (1.0, 10.0))
    observe(3)
    try:
        assert 'ramsts_test_hits_total{cache="access_keys"} 2.0' in exposed(metrics)
        counts["access_keys"], counts["roles"], depth[0] = 7, 1, 0.0
        lines = exposed(metrics)
        assert 'ramsts_test_hits_total{cache="access_keys"} 7.0' in lines
        assert 'ramsts_test_hits_total{cache="roles"} 1.0' in lines
        assert "ramsts_test_depth 0.0" in lines
        assert 'ramsts_test_sizes_bucket{le="10.0"} 1.0' in lines
    finally:
        metrics.close()


def test_past_the_series_bound_new_codes_share_one_label() -> None:
    metrics = Metrics()
    for number in range(MAX_SERIES + 5):
        metrics.record_request("Sts", "AssumeRole", f"Code{number}", 0.001)
    lines = exposed(metrics)
    series = [line for line in lines if line.startswith("ramsts_requests_total{")]
    assert len(series) == MAX_SERIES + 1
    assert 'ramsts_requests_total{action="AssumeRole",code="other",product="Sts"} 5.0' in lines
