"""``ramsts serve`` and ``ramsts demo-iot`` as real processes on loopback ports, for the tests
of what reaches a front door over the network."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_servers import free_port, healthy
from ramsts.iot.client import Credentials, RpcClient
from ramsts.types import Secret

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
RAM = "2015-05-01"

_LIMITED = (
    "import os, resource, sys; "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[2]))); "
    "os.execv(sys.executable, [sys.executable, '-m', 'ramsts', *sys.argv[3:]])"
)
"""Run ``ramsts`` with an open-file limit (soft, hard) set first, as many systems start a
service: 1,024 files, and a hard limit that may or may not be higher."""


@dataclass(frozen=True)
class Served:
    port: int
    root: Credentials | None
    """The root AccessKey ``ramsts serve`` printed at its first start."""
    process: subprocess.Popen[bytes]
    """Its ``returncode`` is set once the block has ended (``-SIGKILL`` if it did not stop
    within :data:`STOP_TIMEOUT` of SIGTERM)."""

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def ramsts_command(
    tmp_path: Path,
    command: str,
    *flags: str,
    env: dict[str, str] | None = None,
    file_limit: tuple[int, int] | None = None,
) -> Iterator[Served]:
    """``ramsts COMMAND --port P FLAGS…`` until the block ends, once ``/health`` answers."""
    port = free_port()
    arguments = [command, "--port", str(port), *flags]
    if file_limit is None:
        argv = [sys.executable, "-m", "ramsts", *arguments]
    else:
        argv = [sys.executable, "-c", _LIMITED, *map(str, file_limit), *arguments]
    log = tmp_path / f"{command}-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not healthy(port):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield Served(port, _bootstrap_root(log.read_text()), process)
    finally:
        _stop(process)


def create_user(
    endpoint: str, root: Credentials, name: str, statements: Sequence[Mapping[str, Any]]
) -> Credentials:
    """A RAM user with a custom policy of ``statements`` and an AccessKey, made by ``root``."""
    document = json.dumps({"Version": "1", "Statement": list(statements)})
    client = RpcClient(endpoint)
    try:
        for action, params in (
            ("CreateUser", {"UserName": name}),
            ("CreatePolicy", {"PolicyName": f"{name}-policy", "PolicyDocument": document}),
            (
                "AttachPolicyToUser",
                {"PolicyType": "Custom", "PolicyName": f"{name}-policy", "UserName": name},
            ),
        ):
            reply = client.call(RAM, action, root, **params)
            assert reply.ok, (action, reply.body)
        key = client.call(RAM, "CreateAccessKey", root, UserName=name)
        assert key.ok, key.body
    finally:
        client.close()
    return Credentials.from_body(key.body["AccessKey"])


def _bootstrap_root(output: str) -> Credentials | None:
    key_id = re.search(r"AccessKeyId:\s+(\S+)", output)
    secret = re.search(r"AccessKeySecret:\s+(\S+)", output)
    if key_id is None or secret is None:
        return None
    return Credentials(key_id.group(1), Secret(secret.group(1)))


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
