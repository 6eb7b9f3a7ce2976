"""The directory where a node's worker processes write their metrics (prometheus-client's
multiprocess mode), set up by ``ramsts serve`` before any worker starts.

Each worker's values live in files named after its process id; a scrape sums them. The
directory must start empty — files left by an earlier run would be counted again — so
:func:`multiprocess_directory` empties one the operator chose (``PROMETHEUS_MULTIPROC_DIR``)
or makes a temporary one, removed at the end. The variable must be set before a worker imports
prometheus-client: workers are spawned, fresh interpreters that inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client.multiprocess import mark_process_dead

from ramsts.metrics.registry import MULTIPROCESS_DIR_ENV


@contextmanager
def multiprocess_directory() -> Iterator[Path]:
    """``PROMETHEUS_MULTIPROC_DIR`` emptied of an earlier run's files, or a new temporary
    directory that the variable names until the block ends."""
    chosen = os.environ.get(MULTIPROCESS_DIR_ENV)
    if chosen:
        directory = Path(chosen)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    directory = Path(tempfile.mkdtemp(prefix="ramsts-metrics-"))
    os.environ[MULTIPROCESS_DIR_ENV] = str(directory)
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROCESS_DIR_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def forget_worker(pid: int) -> None:
    """Drop the gauge readings of a worker that exited (its counts stay: they happened)."""
    if os.environ.get(MULTIPROCESS_DIR_ENV):
        mark_process_dead(pid)  # type: ignore[no-untyped-call]
