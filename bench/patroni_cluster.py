"""A throw-away PostgreSQL cluster managed by Patroni, on loopback ports in a directory of its
own: one etcd member (Patroni's DCS, over its v3 API) and three PostgreSQL members in
synchronous mode, with Patroni's timings made short (``ttl`` 10 s, ``loop_wait`` 1 s,
``retry_timeout`` 4 s) so that a failover takes seconds. Used by ``failover_bench.py`` and by
the failover test (``tests/ha``).

It needs Debian's ``patroni`` and ``etcd-server`` packages and PostgreSQL's server binaries
(``/usr/lib/postgresql/<version>/bin``). PostgreSQL refuses to run as root: started by root, the
members run as the ``postgres`` user (the directory is given to it). Every port is chosen free
at start; nothing touches another PostgreSQL on the machine.

:func:`patroni_cluster` yields a :class:`Cluster` and stops it (and removes its directory) when
the block ends; :meth:`Cluster.kill_primary` takes the primary's node down as a crash would:
Patroni and its PostgreSQL killed with SIGKILL, so that the leader key expires and a standby is
promoted.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from ramsts.testing import PROXY_VARIABLES

MEMBERS = 3
ROOM_NEEDED = 1 << 30
"""Bytes free the cluster's directory wants (three data directories and their WAL, with room):
a temporary directory on a smaller tmpfs (``make test`` puts TMPDIR in /dev/shm) is passed over
for /var/tmp."""
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
POLL_INTERVAL = 0.1

TTL = 10
LOOP_WAIT = 1
RETRY_TIMEOUT = 4

_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""Patroni's and etcd's HTTP APIs are on loopback: never through a proxy."""


class ClusterUnavailable(Exception):
    """Patroni, etcd or PostgreSQL is not installed here, or the cluster did not come up."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bin_dir() -> Path:
    """The newest of Debian's PostgreSQL server installations."""
    found = sorted(
        (Path(path).parent for path in glob.glob("/usr/lib/postgresql/*/bin/postgres")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not found:
        raise ClusterUnavailable("no PostgreSQL server binaries under /usr/lib/postgresql")
    return found[-1]


def _require(program: str, package: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise ClusterUnavailable(f"{program} not found (Debian package {package})")
    return path


@dataclass
class Member:
    name: str
    port: int
    api_port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def role(self) -> str | None:
        """``primary``, ``replica``… as Patroni's REST API says; ``None`` if it does not answer."""
        try:
            with _LOOPBACK.open(f"http://127.0.0.1:{self.api_port}/patroni", timeout=1) as answer:
                state = json.loads(answer.read())
        except (OSError, ValueError):
            return None
        if state.get("state") != "running":
            return None
        return str(state.get("role"))


@dataclass
class Cluster:
    directory: Path
    etcd_port: int
    members: list[Member]
    run_as: str | None
    etcd: subprocess.Popen[bytes] | None = None
    killed: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        """libpq's multi-host URL of the cluster's ``postgres`` database: the one primary."""
        hosts = ",".join(member.address for member in self.members)
        return f"postgresql://postgres@{hosts}/postgres?target_session_attrs=read-write"

    def primary(self) -> Member | None:
        for member in self.members:
            if member.name not in self.killed and member.role() in ("primary", "master"):
                return member
        return None

    def wait_for_primary(self, timeout: float = START_TIMEOUT) -> Member:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            primary = self.primary()
            if primary is not None:
                return primary
            self._check_running()
            time.sleep(POLL_INTERVAL)
        raise ClusterUnavailable(f"no primary within {timeout:g} s\n{self.logs()}")

    def wait_for_replicas(self, count: int, timeout: float = START_TIMEOUT) -> None:
        """Until ``count`` members are streaming replicas."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = [m for m in self.members if m.name not in self.killed]
            if sum(member.role() == "replica" for member in running) >= count:
                return
            self._check_running()
            time.sleep(POLL_INTERVAL)
        raise ClusterUnavailable(f"fewer than {count} replicas within {timeout:g} s\n{self.logs()}")

    def kill_primary(self) -> Member:
        """Take the primary's node down at once: its Patroni, then its postmaster and every
        process the postmaster started, with SIGKILL."""
        primary = self.primary()
        if primary is None or primary.process is None:
            raise ClusterUnavailable("there is no primary to kill")
        postmaster = _postmaster_pid(primary.data_dir)
        with suppress(ProcessLookupError):
            os.kill(primary.process.pid, signal.SIGKILL)
        primary.process.wait()
        if postmaster is not None:
            for pid in [postmaster, *_children(postmaster)]:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.killed.append(primary.name)
        return primary

    def logs(self) -> str:
        parts = []
        for member in self.members:
            if member.log is not None and member.log.exists():
                parts.append(f"--- {member.name}\n{member.log.read_text()[-2000:]}")
        return "\n".join(parts)

    def _check_running(self) -> None:
        if self.etcd is not None and self.etcd.poll() is not None:
            raise ClusterUnavailable(f"etcd exited\n{(self.directory / 'etcd.log').read_text()}")
        for member in self.members:
            if member.name in self.killed or member.process is None:
                continue
            if member.process.poll() is not None:
                raise ClusterUnavailable(f"patroni {member.name} exited\n{self.logs()}")


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def _children(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (PostgreSQL's backends and workers)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields and int(fields[1]) == parent:
            found.append(int(Path(stat).parent.name))
    return found


def _member_config(cluster: Cluster, member: Member, scope: str, bin_dir: Path) -> str:
    """Patroni's YAML for ``member`` (JSON is YAML)."""
    config = {
        "scope": scope,
        "namespace": "/ramsts-test/",
        "name": member.name,
        "log": {"level": "WARNING"},
        "restapi": {
            "listen": f"127.0.0.1:{member.api_port}",
            "connect_address": f"127.0.0.1:{member.api_port}",
        },
        "etcd3": {"hosts": [f"127.0.0.1:{cluster.etcd_port}"]},
        "bootstrap": {
            "dcs": {
                "ttl": TTL,
                "loop_wait": LOOP_WAIT,
                "retry_timeout": RETRY_TIMEOUT,
                "maximum_lag_on_failover": 1048576,
                "synchronous_mode": True,
                "postgresql": {
                    "use_pg_rewind": False,
                    "parameters": {
                        "max_connections": 150,
                        "max_wal_senders": 10,
                        "max_replication_slots": 10,
                        "min_wal_size": "32MB",
                        "max_wal_size": "64MB",
                        "hot_standby": "on",
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{member.port}",
            "connect_address": f"127.0.0.1:{member.port}",
            "data_dir": str(member.data_dir),
            "bin_dir": str(bin_dir),
            "pgpass": str(cluster.directory / f"{member.name}.pgpass"),
            "authentication": {
                "superuser": {"username": "postgres"},
                "replication": {"username": "postgres"},
            },
            "pg_hba": [
                "local all all trust",
                "host all all 127.0.0.1/32 trust",
                "host replication all 127.0.0.1/32 trust",
            ],
            "parameters": {
                "unix_socket_directories": str(cluster.directory),
                "shared_buffers": "16MB",
                # A test cluster: what a crash loses does not matter, and flushing costs.
                "fsync": "off",
                "full_page_writes": "off",
            },
        },
    }
    return json.dumps(config, indent=2)


def _run_as() -> str | None:
    """The user the members run as: ``postgres`` when started by root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ClusterUnavailable("running as root, and there is no postgres user") from None
    return "postgres"


def _start(argv: list[str], log: Path, run_as: str | None) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            argv,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            user=run_as,
            env={name: value for name, value in os.environ.items() if name not in PROXY_VARIABLES},
            start_new_session=True,
            cwd=log.parent,
        )


def _start_etcd(cluster: Cluster, etcd: str) -> None:
    peer = f"http://127.0.0.1:{free_port()}"
    client = f"http://127.0.0.1:{cluster.etcd_port}"
    cluster.etcd = _start(
        [
            etcd,
            "--name=ha",
            f"--data-dir={cluster.directory / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=ha={peer}",
            "--log-level=warn",
        ],
        cluster.directory / "etcd.log",
        cluster.run_as,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with _LOOPBACK.open(f"{client}/health", timeout=1):
                return
        except OSError:
            cluster._check_running()
            time.sleep(POLL_INTERVAL)
    raise ClusterUnavailable("etcd did not answer")


def _stop(processes: list[subprocess.Popen[bytes] | None]) -> None:
    """SIGTERM to each at once (Patroni stops its PostgreSQL), then SIGKILL to those that have
    not exited within :data:`STOP_TIMEOUT`."""
    running = [process for process in processes if process is not None and process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in running:
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def patroni_cluster() -> Iterator[Cluster]:
    """A running cluster (a primary and two streaming replicas) for the block."""
    patroni = _require("patroni", "patroni")
    etcd = _require("etcd", "etcd-server")
    bin_dir = postgres_bin_dir()
    run_as = _run_as()
    parent = tempfile.gettempdir()
    if shutil.disk_usage(parent).free < ROOM_NEEDED:
        parent = "/var/tmp"
    directory = Path(tempfile.mkdtemp(prefix="ramsts-ha-", dir=parent))
    if run_as is not None:
        shutil.chown(directory, run_as, run_as)
    members = [
        Member(f"pg{index}", free_port(), free_port(), directory / f"pg{index}")
        for index in range(MEMBERS)
    ]
    cluster = Cluster(directory, free_port(), members, run_as)
    try:
        _start_etcd(cluster, etcd)
        scope = f"ramsts-{directory.name}"
        for index, member in enumerate(members):
            config = directory / f"{member.name}.yml"
            config.write_text(_member_config(cluster, member, scope, bin_dir))
            if run_as is not None:
                shutil.chown(config, run_as, run_as)
            member.log = directory / f"{member.name}.log"
            member.process = _start([patroni, str(config)], member.log, run_as)
            if index == 0:  # the first bootstraps the cluster; the others copy it
                cluster.wait_for_primary()
        cluster.wait_for_replicas(MEMBERS - 1)
        yield cluster
    finally:
        _stop([member.process for member in members])
        for member in members:  # a postmaster its killed Patroni left behind
            postmaster = _postmaster_pid(member.data_dir)
            if member.name in cluster.killed or postmaster is None:
                continue
            with suppress(ProcessLookupError):
                os.kill(postmaster, signal.SIGQUIT)
        _stop([cluster.etcd])
        shutil.rmtree(directory, ignore_errors=True)
