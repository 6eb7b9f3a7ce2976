"""``ramsts serve --workers N``: each worker listens on a socket of its own (SO_REUSEPORT), so
the kernel spreads connections over the workers; the parent stops them all on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from local_servers import free_port, healthy, serve_env

STARTUP_TIMEOUT = 60.0


def listening_sockets(port: int) -> int:
    """Sockets in LISTEN state on ``port`` (IPv4), from /proc/net/tcp."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"
    )


def test_each_worker_listens_on_its_own_socket_and_all_stop_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = serve_env(tmp_path)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "ramsts", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not (healthy(port) and listening_sockets(port) == 2):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

        answered = [healthy(port) for _ in range(20)]
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    assert all(answered)
    assert server.returncode == 0
    assert listening_sockets(port) == 0
