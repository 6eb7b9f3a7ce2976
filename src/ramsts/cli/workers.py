"""Worker processes for ``ramsts serve --workers N``, each listening on a socket of its own.

uvicorn's own supervisor gives every worker the same listening socket, and a connection goes to
whichever worker accepts it first. The SDKs keep their connections open, so a client stays on the
worker its opening burst happened to land on: 28 of 32 connections on one of two workers was seen
here, one worker saturated and the other idle. Here each worker listens on its own socket, all
bound to the same address with ``SO_REUSEPORT``, and the kernel spreads new connections over them
by their addresses, evenly whatever each worker is busy with.

The parent process only supervises: it starts the workers (``spawn``, so nothing of its own state
leaks into them), starts a worker again if one dies, and on SIGINT or SIGTERM stops them all,
each gracefully (:mod:`ramsts.cli.graceful`), giving each the shutdown timeout and
:data:`STOP_MARGIN` seconds more before it is killed.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from ramsts.cli.graceful import serve_until_stopped
from ramsts.config import TransportSettings, settings_from_env
from ramsts.metrics.directory import forget_worker
from ramsts.services import build_services

STOP_MARGIN = 10.0
"""Seconds past its shutdown timeout a stopping worker has to close its store and exit."""
CHECK_INTERVAL = 0.5
BACKLOG = 2048

logger = logging.getLogger("ramsts.serve")


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port) that other sockets may share (``SO_REUSEPORT``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def serve_in_workers(workers: int, options: dict[str, Any], transport: TransportSettings) -> None:
    """Serve in ``workers`` processes until SIGINT/SIGTERM; each builds its services from the
    environment. ``options`` are uvicorn's (``host`` and ``port`` included); each worker adds the
    :func:`~ramsts.cli.http_protocol.server_options` of ``transport``, its own connection bound
    among them."""
    host = str(options["host"])
    first = listening_socket(host, int(options["port"]))
    port = first.getsockname()[1]  # the one chosen, if port 0 asked for any
    sockets = [first] + [listening_socket(host, port) for _ in range(workers - 1)]
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    context = multiprocessing.get_context("spawn")
    processes: list[BaseProcess] = []
    try:
        for sock in sockets:
            processes.append(_start(context, options, transport, sock))
        while not stopping:
            time.sleep(CHECK_INTERVAL)
            for index, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    logger.error(
                        "worker %s exited (%s); starting another", process.pid, process.exitcode
                    )
                    if process.pid is not None:
                        forget_worker(process.pid)
                    processes[index] = _start(context, options, transport, sockets[index])
    finally:
        _stop_all(processes, transport.shutdown_timeout + STOP_MARGIN)
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(
    context: Any, options: dict[str, Any], transport: TransportSettings, sock: socket.socket
) -> BaseProcess:
    process: BaseProcess = context.Process(
        target=_worker, args=(options, transport, sock), name="ramsts-worker"
    )
    process.start()
    return process


def _stop_all(processes: list[BaseProcess], timeout: float) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: the worker finishes the requests in flight
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def _worker(options: dict[str, Any], transport: TransportSettings, sock: socket.socket) -> None:
    serve_until_stopped(build_services(settings_from_env()), options, transport, [sock])
