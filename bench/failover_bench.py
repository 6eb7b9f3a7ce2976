"""Failover figures: two ``ramsts serve`` nodes on a Patroni cluster under bounded load, the
primary's node killed, the load kept on until both nodes answer again.

    .venv/bin/python bench/failover_bench.py

The cluster is ``patroni_cluster.py``'s (three PostgreSQL members in synchronous mode, one etcd
member, on loopback ports in a directory of their own). Both nodes share the master key and reach
the cluster through libpq's multi-host URL with ``target_session_attrs=read-write``. Each of
:data:`CLIENTS_PER_NODE` clients per node calls, one call at a time and at most once per
:data:`CALL_INTERVAL`, in turn ``CreateUser`` (a unique name, as the account's root) and STS
``AssumeRole`` (as a RAM user allowed to), signed over plain HTTP (``ramsts.iot.client``).

Printed: the requests answered 200, ``503 ServiceUnavailable`` and anything else; the
unavailability window (from the start of the first call that failed to the end of the last);
the time to recovery (from the kill to the first success on each node after its last failure,
the later of the two); how long each node's ``/health/ready`` said 503; and whether every
acknowledged ``CreateUser`` is in the database afterwards. The failover test (``tests/ha``) runs
the same measurement and asserts on it.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from patroni_cluster import Cluster, free_port, patroni_cluster
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.iot.client import Credentials, RpcClient
from ramsts.testing import PROXY_VARIABLES
from ramsts.types import Secret

RAM = "2015-05-01"
STS = "2015-04-01"

NODES = 2
CLIENTS_PER_NODE = 2
CALL_INTERVAL = 0.02
"""Seconds between the starts of one client's calls, at least: the load is bounded."""
WARM_UP = 2.0
"""Seconds of load before the primary is killed."""
STEADY_AFTER = 2.0
"""Seconds every node must have answered without a failure before the load stops."""
GIVE_UP_AFTER = 90.0
"""Seconds after the kill past which the load stops whether or not the nodes recovered."""
START_TIMEOUT = 60.0
READINESS_PROBE_INTERVAL = 0.1


@dataclass(frozen=True)
class Call:
    node: int
    action: str
    started: float
    ended: float
    status: int
    """The HTTP status; 0 if no answer came (the connection failed or timed out)."""
    code: str
    user_name: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def unavailable(self) -> bool:
        return self.status == 503 and self.code == "ServiceUnavailable"


@dataclass
class Node:
    index: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    not_ready: list[tuple[float, float]] = field(default_factory=list)
    """Spans during which ``/health/ready`` answered anything but 200."""

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Outcome:
    calls: list[Call]
    killed_at: float
    nodes: list[Node]
    missing_users: list[str]
    """Acknowledged CreateUser names that are not in the database afterwards."""
    unacknowledged_but_created: int
    """CreateUser calls answered 503 whose user exists anyway (the commit's answer was lost)."""

    @property
    def failures(self) -> list[Call]:
        return [call for call in self.calls if not call.ok]

    @property
    def unexpected(self) -> list[Call]:
        """Failures other than 503 ServiceUnavailable."""
        return [call for call in self.failures if not call.unavailable]

    @property
    def window(self) -> float:
        """Seconds from the start of the first failed call to the end of the last."""
        failures = self.failures
        if not failures:
            return 0.0
        return max(call.ended for call in failures) - min(call.started for call in failures)

    @property
    def recovery(self) -> float | None:
        """Seconds from the kill until every node answered again for good; ``None`` if one
        never did."""
        recovered = []
        for node in self.nodes:
            calls = [call for call in self.calls if call.node == node.index]
            last_failure = max((call.ended for call in calls if not call.ok), default=None)
            if last_failure is None:
                recovered.append(self.killed_at)
                continue
            after = [call.ended for call in calls if call.ok and call.started >= last_failure]
            if not after:
                return None
            recovered.append(min(after))
        return max(recovered) - self.killed_at

    def not_ready_seconds(self, node: Node) -> float:
        return sum(end - start for start, end in node.not_ready)

    def report(self) -> str:
        ok = sum(call.ok for call in self.calls)
        unavailable = sum(call.unavailable for call in self.calls)
        recovery = self.recovery
        lines = [
            f"requests: {len(self.calls)} ({ok} ok, {unavailable} 503 ServiceUnavailable, "
            f"{len(self.unexpected)} other)",
            f"unavailability window: {self.window:.2f} s",
            "time to recovery after the kill: "
            + (f"{recovery:.2f} s" if recovery is not None else "never"),
            *(
                f"node {node.index}: /health/ready not 200 for {self.not_ready_seconds(node):.2f} s"
                for node in self.nodes
            ),
            f"acknowledged users missing afterwards: {len(self.missing_users)}",
            f"users answered 503 but created (commit answer lost): "
            f"{self.unacknowledged_but_created}",
        ]
        for call in self.unexpected[:5]:
            lines.append(f"unexpected: node {call.node} {call.action} {call.status} {call.code}")
        return "\n".join(lines)


def _ramsts(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "ramsts", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ramsts {' '.join(arguments)} failed:\n{done.stderr}")
    return done


def _answers(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


@contextmanager
def ramsts_nodes(env: dict[str, str], directory: Path) -> Iterator[list[Node]]:
    """``NODES`` ``ramsts serve`` processes, once each is ready; SIGTERM to each at the end
    (their exit codes are in ``process.returncode`` then)."""
    nodes: list[Node] = []
    try:
        for index in range(NODES):
            port = free_port()
            log = directory / f"ramsts-{index}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "ramsts", "serve", "--port", str(port)],
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            nodes.append(Node(index, port, process, log))
        for node in nodes:
            deadline = time.monotonic() + START_TIMEOUT
            while _answers(node.port, "/health/ready") != 200:
                if node.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ramsts serve did not start:\n{node.log.read_text()}")
                time.sleep(0.05)
        yield nodes
    finally:
        for node in nodes:
            if node.process.poll() is None:
                node.process.send_signal(signal.SIGTERM)
        for node in nodes:
            try:
                node.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(node.process.pid, signal.SIGKILL)
                node.process.wait()


def _trust_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
                }
            ],
        }
    )


def _assumer(endpoint: str, root: Credentials, account_id: str) -> tuple[Credentials, str]:
    """A RAM user allowed to assume the role ``failover``, and that role's ARN."""
    client = RpcClient(endpoint)
    try:

        def call(version: str, action: str, **params: str) -> dict[str, object]:
            reply = client.call(version, action, root, **params)
            if not reply.ok:
                raise RuntimeError(f"{action}: {reply.status} {reply.body}")
            return reply.body

        call(RAM, "CreateUser", UserName="assumer")
        key = call(RAM, "CreateAccessKey", UserName="assumer")["AccessKey"]
        call(
            RAM,
            "AttachPolicyToUser",
            PolicyType="System",
            PolicyName="AliyunSTSAssumeRoleAccess",
            UserName="assumer",
        )
        role = call(
            RAM,
            "CreateRole",
            RoleName="failover",
            AssumeRolePolicyDocument=_trust_policy(account_id),
        )["Role"]
    finally:
        client.close()
    assert isinstance(key, dict) and isinstance(role, dict)
    return Credentials.from_body(key), str(role["Arn"])


class Load:
    """The clients' threads, recording every call, and a readiness probe per node."""

    def __init__(
        self, nodes: list[Node], root: Credentials, assumer: Credentials, role_arn: str
    ) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._root = root
        self._assumer = assumer
        self._role_arn = role_arn
        self._threads = [
            threading.Thread(target=self._client, args=(node, number), daemon=True)
            for node in nodes
            for number in range(CLIENTS_PER_NODE)
        ] + [threading.Thread(target=self._probe, args=(node,), daemon=True) for node in nodes]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def _client(self, node: Node, number: int) -> None:
        client = RpcClient(node.endpoint)
        sequence = 0
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                sequence += 1
                if sequence % 2:
                    name = f"load-{node.index}-{number}-{sequence}"
                    call = self._call(client, node, "CreateUser", RAM, self._root, UserName=name)
                else:
                    call = self._call(
                        client,
                        node,
                        "AssumeRole",
                        STS,
                        self._assumer,
                        RoleArn=self._role_arn,
                        RoleSessionName=f"load-{number}",
                    )
                with self._lock:
                    self.calls.append(call)
                self._stop.wait(max(0.0, started + CALL_INTERVAL - time.monotonic()))
        finally:
            client.close()

    @staticmethod
    def _call(
        client: RpcClient,
        node: Node,
        action: str,
        version: str,
        credentials: Credentials,
        **params: str,
    ) -> Call:
        started = time.monotonic()
        try:
            reply = client.call(version, action, credentials, **params)
            status, code = reply.status, reply.code
        except httpx.HTTPError as error:
            status, code = 0, f"no answer: {type(error).__name__}"
        return Call(
            node.index, action, started, time.monotonic(), status, code, params.get("UserName")
        )

    def _probe(self, node: Node) -> None:
        down_since: float | None = None
        while not self._stop.is_set():
            now = time.monotonic()
            ready = _answers(node.port, "/health/ready") == 200
            if not ready and down_since is None:
                down_since = now
            elif ready and down_since is not None:
                node.not_ready.append((down_since, now))
                down_since = None
            self._stop.wait(READINESS_PROBE_INTERVAL)
        if down_since is not None:
            node.not_ready.append((down_since, time.monotonic()))


def _steady(calls: list[Call], nodes: list[Node], now: float) -> bool:
    """Whether every node has answered only successes for the last :data:`STEADY_AFTER` s,
    after at least one failure somewhere (the outage has happened and is over)."""
    if not any(not call.ok for call in calls):
        return False
    for node in nodes:
        recent = [c for c in calls if c.node == node.index and c.started >= now - STEADY_AFTER]
        if not recent or not all(call.ok for call in recent):
            return False
    return True


def _user_names(endpoint: str, root: Credentials) -> set[str]:
    client = RpcClient(endpoint)
    names: set[str] = set()
    marker: str | None = None
    try:
        while True:
            params = {"MaxItems": "1000", **({"Marker": marker} if marker else {})}
            reply = client.call(RAM, "ListUsers", root, **params)
            if not reply.ok:
                raise RuntimeError(f"ListUsers: {reply.status} {reply.body}")
            names.update(user["UserName"] for user in reply.body["Users"]["User"])
            if not reply.body.get("IsTruncated"):
                return names
            marker = str(reply.body["Marker"])
    finally:
        client.close()


def measure_failover(cluster: Cluster, directory: Path) -> Outcome:
    """Two nodes on ``cluster`` under load, its primary killed: what the clients saw."""
    env = {
        **os.environ,
        MASTER_KEY_ENV: MasterKey.generate().encoded(),
        "RAMSTS_DB": cluster.url,
        "RAMSTS_DATA_DIR": str(directory),
        "RAMSTS_LOG_LEVEL": "warning",
    }
    _ramsts(env, "migrate")
    account = json.loads(_ramsts(env, "account", "create", "--name", "ha", "--json").stdout)
    root = Credentials(account["AccessKeyId"], Secret(account["AccessKeySecret"]))
    with ExitStack() as stack:
        nodes = stack.enter_context(ramsts_nodes(env, directory))
        assumer, role_arn = _assumer(nodes[0].endpoint, root, account["AccountId"])
        with Load(nodes, root, assumer, role_arn) as load:
            time.sleep(WARM_UP)
            killed_at = time.monotonic()
            cluster.kill_primary()
            while time.monotonic() - killed_at < GIVE_UP_AFTER:
                time.sleep(0.2)
                if _steady(load.snapshot(), nodes, time.monotonic()):
                    break
        calls = load.snapshot()
        still_running = [node.process.poll() is None for node in nodes]
        if not all(still_running):
            raise RuntimeError("a ramsts node exited during the failover")
        existing = _user_names(nodes[0].endpoint, root)
    created = [call for call in calls if call.action == "CreateUser"]
    acknowledged = [call.user_name for call in created if call.ok and call.user_name]
    unacknowledged = [call.user_name for call in created if not call.ok and call.user_name]
    return Outcome(
        calls=calls,
        killed_at=killed_at,
        nodes=nodes,
        missing_users=sorted(set(acknowledged) - existing),
        unacknowledged_but_created=len(set(unacknowledged) & existing),
    )


def main() -> int:
    for variable in PROXY_VARIABLES:
        os.environ.pop(variable, None)
    with (
        tempfile.TemporaryDirectory(prefix="ramsts-failover-") as folder,
        patroni_cluster() as cluster,
    ):
        outcome = measure_failover(cluster, Path(folder))
    print(outcome.report())
    exit_codes = [node.process.returncode for node in outcome.nodes]
    print(f"ramsts nodes' exit codes after SIGTERM: {exit_codes}")
    return 0 if not outcome.missing_users and not outcome.unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
