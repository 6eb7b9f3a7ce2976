"""Verified-and-authorized requests per second through ramsts.guard, local and remote.

A role session (the guide's read-only IoT role) signs every request beforehand (RPC v1, its own
SignatureNonce each), so the timed phase costs the client nothing but sending. The guarded app is
GuardMiddleware over a plain ASGI app answering ``{"Success": true}``, run by uvicorn with 1 and 2
workers. The app is as small as an app can be so that the figure is the guard's (and the HTTP
server's): a resource service's own framework and work come on top of it (a one-route Starlette
app costs about as much again as the guard's whole authorization).

* local: the guard shares the ramsts database and master key (LocalVerifier);
* remote: the guard calls a ramsts server's VerifyRequest (RemoteVerifier), the server running in
  its own process.

Usage: ``.venv/bin/python bench/guard_bench.py [--requests N] [--db URL]``. Figures go to stdout.
Target: ≥ 5,000 requests/s in local mode with 2 workers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_bench import fresh_database
from loadgen import HttpRequest, run_load
from ramsts.config import Settings, settings_from_env
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.iot.client import Credentials, RpcClient
from ramsts.iot.walkthrough import READ_ONLY_POLICY
from ramsts.signing import sign_rpc_v1
from ramsts.types import Secret

RAM, STS = "2015-05-01", "2015-04-01"


def make_app() -> Any:
    """uvicorn factory for the guarded app (mode and credentials from the environment)."""
    from ramsts.cli.demo import demo_action_modules
    from ramsts.guard import Guard, GuardMiddleware, LocalVerifier, RemoteVerifier, Target
    from ramsts.services import build_services, freeze_start_up_objects

    body = b'{"Success":true}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]

    async def ok(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    if os.environ["GUARD_MODE"] == "local":
        services = build_services(settings_from_env(), action_modules=demo_action_modules())
        verifier: Any = LocalVerifier(services.authenticator, services.authorizer)
    else:
        verifier = RemoteVerifier(
            os.environ["GUARD_RAMSTS"],
            os.environ["GUARD_SERVICE_ID"],
            Secret(os.environ["GUARD_SERVICE_SECRET"]),
        )
    app = GuardMiddleware(
        ok,
        Guard(verifier),
        lambda signed: Target(f"iot:{signed.action}", "acs:iot:*:${AccountId}:product/*"),
        host_id="bench",
        product_code="Iot",
    )
    freeze_start_up_objects()  # as ramsts serve does, and docs/guard.md advises a service to
    return app


def make_ramsts_app() -> Any:
    """uvicorn factory for the ramsts server, with the verification API."""
    from ramsts.api import create_app
    from ramsts.cli.demo import demo_action_modules
    from ramsts.services import build_services

    return create_app(build_services(settings_from_env(), action_modules=demo_action_modules()))


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(env: dict[str, str], port: int, workers: int, target: str) -> subprocess.Popen[bytes]:
    """``target`` (a uvicorn factory of this file) in ``workers`` processes, each on its own
    socket, as ``ramsts serve --workers`` runs them (see ``serve_target``)."""
    command = [sys.executable, __file__, "--serve", target, str(port), str(workers)]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False)
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


def _arrange(
    client: RpcClient, root: Credentials, account_id: str
) -> tuple[Credentials, Credentials]:
    """The read-only role, a user who assumes it, a service user allowed to VerifyRequest."""
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
            }
        ],
    }
    verify = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}],
    }
    for action, params in [
        ("CreateRole", {"RoleName": "iotstsrole", "AssumeRolePolicyDocument": json.dumps(trust)}),
        (
            "CreatePolicy",
            {"PolicyName": "IoTReadOnly", "PolicyDocument": json.dumps(READ_ONLY_POLICY)},
        ),
        (
            "AttachPolicyToRole",
            {"PolicyType": "Custom", "PolicyName": "IoTReadOnly", "RoleName": "iotstsrole"},
        ),
        ("CreateUser", {"UserName": "iotuser"}),
        (
            "AttachPolicyToUser",
            {
                "PolicyType": "System",
                "PolicyName": "AliyunSTSAssumeRoleAccess",
                "UserName": "iotuser",
            },
        ),
        ("CreatePolicy", {"PolicyName": "Verify", "PolicyDocument": json.dumps(verify)}),
        ("CreateUser", {"UserName": "service"}),
        (
            "AttachPolicyToUser",
            {"PolicyType": "Custom", "PolicyName": "Verify", "UserName": "service"},
        ),
    ]:
        reply = client.call(RAM, action, root, **params)
        assert reply.status == 200, reply.body
    user = Credentials.from_body(
        client.call(RAM, "CreateAccessKey", root, UserName="iotuser").body["AccessKey"]
    )
    service = Credentials.from_body(
        client.call(RAM, "CreateAccessKey", root, UserName="service").body["AccessKey"]
    )
    reply = client.call(
        STS,
        "AssumeRole",
        user,
        RoleArn=f"acs:ram::{account_id}:role/iotstsrole",
        RoleSessionName="bench",
        DurationSeconds="3600",
    )
    return Credentials.from_body(reply.body["Credentials"]), service


def _requests(session: Credentials, count: int) -> list[HttpRequest]:
    signed = []
    for _ in range(count):
        request = sign_rpc_v1(
            "POST",
            {"Action": "QueryProduct", "Version": "2018-01-20", "ProductKey": "a1Bench"},
            session.access_key_id,
            session.access_key_secret,
            session.security_token,
        )
        signed.append(HttpRequest("POST", f"/?{request.query}", (("Content-Length", "0"),)))
    return signed


def serve_target(target: str, port: int, workers: int) -> None:
    """Run a factory of this file as ``ramsts serve --workers`` runs the server: a process per
    worker, each on a socket of its own (``SO_REUSEPORT``), with the same uvicorn options, until
    SIGTERM stops them all."""
    import multiprocessing
    import signal
    import threading

    from ramsts.cli.workers import listening_socket

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_serve_worker, args=(target, listening_socket("127.0.0.1", port)))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    while not stopped.wait(0.5):
        pass
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(20)


def _serve_worker(target: str, sock: socket.socket) -> None:
    import uvicorn

    from ramsts.cli.http_protocol import server_options
    from ramsts.config import TransportSettings

    options = server_options(TransportSettings())
    config = uvicorn.Config(target, factory=True, log_level="warning", **options)
    uvicorn.Server(config).run(sockets=[sock])


def main() -> int:
    if sys.argv[1:2] == ["--serve"]:
        serve_target(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="guard-bench-")
    with fresh_database(args.db, Path(folder)) as db_url:  # PostgreSQL: a schema of its own
        return measure(args, folder, db_url)


@dataclass(frozen=True)
class GuardedWorld:
    """A ramsts server (2 workers, local mode) with a RAM user's role session to call with and
    a service key for the remote guard, ready to put a guarded app in front of."""

    env: dict[str, str]
    ramsts_port: int
    session: Credentials
    service: Credentials

    def serve_guarded(self, mode: str, workers: int) -> tuple[int, subprocess.Popen[bytes]]:
        """The guarded app in ``mode`` (``local`` or ``remote``) on a port of its own."""
        port = _port()
        mode_env = {
            **self.env,
            "GUARD_MODE": mode,
            "GUARD_RAMSTS": f"http://127.0.0.1:{self.ramsts_port}",
            "GUARD_SERVICE_ID": self.service.access_key_id,
            "GUARD_SERVICE_SECRET": self.service.access_key_secret.reveal(),
        }
        return port, _serve(mode_env, port, workers, "guard_bench:make_app")


@contextmanager
def guarded_world(folder: str, db_url: str) -> Iterator[GuardedWorld]:
    env = {
        **os.environ,
        **Settings(db_url=db_url, data_dir=Path(folder)).to_env(),
        MASTER_KEY_ENV: MasterKey.generate().encoded(),
        "RAMSTS_LOG_LEVEL": "warning",
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    from ramsts.cli.demo import demo_action_modules
    from ramsts.services import build_services

    os.environ.update({MASTER_KEY_ENV: env[MASTER_KEY_ENV]})
    services = build_services(settings_from_env(env), env=env, action_modules=demo_action_modules())
    created = services.accounts.create_account("bench")
    services.close()
    root = Credentials(created.access_key_id, created.access_key_secret)

    ramsts_port = _port()
    ramsts = _serve({**env, "GUARD_MODE": "local"}, ramsts_port, 2, "guard_bench:make_ramsts_app")
    try:
        client = RpcClient(f"127.0.0.1:{ramsts_port}")
        session, service = _arrange(client, root, created.account_id)
        client.close()
        yield GuardedWorld(env, ramsts_port, session, service)
    finally:
        _stop(ramsts)


def measure(args: argparse.Namespace, folder: str, db_url: str) -> int:
    results: dict[str, Any] = {}
    with guarded_world(folder, db_url) as world:
        for mode in ("local", "remote"):
            for workers in (1, 2):
                port, guarded = world.serve_guarded(mode, workers)
                try:
                    url = f"http://127.0.0.1:{port}"
                    run_load(url, _requests(world.session, 500), concurrency=16)
                    count = args.requests if mode == "local" else args.requests // 4
                    result = run_load(
                        url, _requests(world.session, count), concurrency=args.concurrency
                    )
                finally:
                    _stop(guarded)
                key = f"{mode}, {workers} worker{'s' if workers > 1 else ''}"
                results[key] = result.to_dict()
                print(f"{key:<20} {result.format()}", flush=True)
    local, remote = results["local, 1 worker"], results["remote, 1 worker"]
    if local["rate"] and remote["rate"]:
        extra_ms = 1000 / remote["rate"] - 1000 / local["rate"]
        print(
            f"remote mode costs {extra_ms:.3f} ms more per request than local (1 worker each);"
            f" p50 {remote['p50_ms']:.2f} ms vs {local['p50_ms']:.2f} ms"
        )
    target = results["local, 2 workers"]["rate"]
    print(
        f"target ≥ 5,000/s in local mode with 2 workers: {target:,.0f}/s"
        f" {'met' if target >= 5000 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
