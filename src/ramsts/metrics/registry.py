"""One process's metrics: the requests the RPC endpoint answers, and what components add.

The endpoint records each request itself (:meth:`Metrics.record_request`: a counter and a
histogram, a few microseconds, after the response is sent). Counts that change on every cache
lookup are not written to Prometheus' values one by one: their components keep them as plain
integers, and a thread of the registry's own copies the difference every
:data:`COPY_INTERVAL` seconds (and before every scrape), together with the gauges' readings.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
"""Seconds: an AssumeRole answered from the caches takes well under a millisecond, a management
action a few milliseconds, anything past a second is waiting for the database."""

UNKNOWN = "unknown"
"""The product or action label of a request that named none the server knows."""

OTHER = "other"
"""The code label once :data:`MAX_SERIES` series exist (a bound, should a code ever carry
input)."""

MAX_SERIES = 2000
"""Most (product, action, code) series one process keeps."""

COPY_INTERVAL = 1.0
"""Seconds between copies of the components' counts and gauges into Prometheus' values."""

_logger = logging.getLogger("ramsts.metrics")

_Series = tuple[str, str, str]


@dataclass(slots=True)
class _CountFamily:
    """A counter whose values a component keeps: ``read()`` → label value → count so far."""

    counter: Counter
    read: Callable[[], Mapping[str, int]]
    copied: dict[str, int] = field(default_factory=dict)


class Metrics:
    """The metrics of one process. Thread-safe; one per process (:meth:`close` it)."""

    def __init__(self, *, copy_interval: float = COPY_INTERVAL) -> None:
        self._registry = CollectorRegistry()
        self._requests = Counter(
            "ramsts_requests",
            "Requests answered, by product, action and code (the error code, or OK).",
            ["product", "action", "code"],
            registry=self._registry,
        )
        self._latency = Histogram(
            "ramsts_request_duration_seconds",
            "Time from a request's arrival to its answer being sent, by product and action.",
            ["product", "action"],
            buckets=LATENCY_BUCKETS,
            registry=self._registry,
        )
        # Label lookups cost as much as the increment: each series' values, looked up once.
        self._series: dict[_Series, tuple[Any, Any]] = {}
        self._series_lock = threading.Lock()
        self._families: list[_CountFamily] = []
        self._gauges: list[tuple[Gauge, Callable[[], float]]] = []
        self._copy_lock = threading.Lock()
        self._interval = copy_interval
        self._stopping = threading.Event()
        self._copier: threading.Thread | None = None

    def record_request(self, product: str, action: str, code: str, seconds: float) -> None:
        """Count one answered request and its latency (called on the event loop)."""
        series = self._series.get((product, action, code))
        if series is None:
            series = self._new_series(product, action, code)
        series[0].inc()
        series[1].observe(seconds)

    def _new_series(self, product: str, action: str, code: str) -> tuple[Any, Any]:
        with self._series_lock:
            if len(self._series) >= MAX_SERIES:
                code = OTHER
            series = self._series.get((product, action, code))
            if series is None:
                series = (
                    self._requests.labels(product, action, code),
                    self._latency.labels(product, action),
                )
                self._series[(product, action, code)] = series
            return series

    def add_counts(
        self, name: str, documentation: str, label: str, read: Callable[[], Mapping[str, int]]
    ) -> None:
        """A counter ``name`` (``_total`` added) of the counts ``read()`` returns by ``label``
        value, kept by their component (never decreasing) and copied here."""
        counter = Counter(name, documentation, [label], registry=self._registry)
        self._families.append(_CountFamily(counter, read))
        self._start_copier()

    def add_gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A gauge ``name`` whose value is ``read()`` when copied, summed over the node's live
        worker processes."""
        gauge = Gauge(name, documentation, registry=self._registry, multiprocess_mode="livesum")
        self._gauges.append((gauge, read))
        self._start_copier()

    def add_histogram(
        self, name: str, documentation: str, buckets: tuple[float, ...]
    ) -> Callable[[float], None]:
        """A histogram ``name``; returns what observes one value into it (thread-safe)."""
        histogram = Histogram(name, documentation, buckets=buckets, registry=self._registry)
        return histogram.observe

    def copy(self) -> None:
        """Copy the components' counts and the gauges' readings into Prometheus' values."""
        with self._copy_lock:
            for family in self._families:
                for value, count in list(family.read().items()):
                    delta = count - family.copied.get(value, 0)
                    if delta > 0:
                        family.counter.labels(value).inc(delta)
                        family.copied[value] = count
            for gauge, read in self._gauges:
                gauge.set(read())

    def exposition(self) -> tuple[bytes, str]:
        """The node's metrics in the text format, and its content type: every worker
        process's, when they share a multiprocess directory, else this process's."""
        self.copy()
        directory = os.environ.get(MULTIPROCESS_DIR_ENV)
        if directory:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        else:
            registry = self._registry
        return generate_latest(registry), CONTENT_TYPE_LATEST

    def _start_copier(self) -> None:
        if self._copier is None:
            self._copier = threading.Thread(
                target=self._copy_until_closed, name="ramsts-metrics", daemon=True
            )
            self._copier.start()

    def _copy_until_closed(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.copy()
            except Exception:  # a component's reading failed: the next copy tries again
                _logger.exception("copying the metrics failed")

    def close(self) -> None:
        """Stop the copying thread, after one last copy."""
        self._stopping.set()
        if self._copier is not None:
            self._copier.join()
        self.copy()
