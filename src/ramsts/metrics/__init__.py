"""What a ramsts process counts, in Prometheus' terms (``docs/operations.md``, "Metrics").

:class:`Metrics` is one process's registry: the request counter and latency histogram the RPC
endpoint feeds, and whatever other components add — a gauge read when scraped
(:meth:`Metrics.add_gauge`), a count a component keeps itself and the registry copies
(:meth:`Metrics.add_counts`). :meth:`Metrics.exposition` renders them in the text format.

Several worker processes (``ramsts serve --workers N``) share one node's metrics through
prometheus-client's multiprocess mode: ``ramsts serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a
directory of its own before the workers start (:mod:`ramsts.metrics.directory`), each worker
writes its values into files there, and a scrape answered by any worker reads them all.

Labels are bounded: a product code and action name only as registered (``unknown`` for an
action the table does not know: its name is whatever a client sent), an error code from
ramsts' own code, a cache's name. No account, user, key or address ever becomes a label.
"""

from ramsts.metrics.registry import LATENCY_BUCKETS, UNKNOWN, Metrics

__all__ = ["LATENCY_BUCKETS", "UNKNOWN", "Metrics"]
