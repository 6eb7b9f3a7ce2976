"""``ramsts demo`` and ``ramsts demo-iot``: the user's guide end to end, and the IoT sample service.

``ramsts demo [--endpoint URL --id ID --secret SECRET] [--iot-endpoint URL]`` runs the six steps
of the STS guide (:mod:`ramsts.iot.walkthrough`) against a running server, signing as the given
account (its root AccessKey, or a RAM user allowed to manage RAM). The server must serve IoT
(``ramsts serve --demo-products``), or ``--iot-endpoint`` must name a ``ramsts demo-iot``.
Without ``--endpoint`` it starts a server in this process over a fresh database in a temporary
directory, with a new account, and stops it at the end. Exit status 0 when every IoT call was
allowed or denied as the policies say, 1 otherwise.

``ramsts demo-iot --port P --ramsts URL --id ID --secret SECRET`` serves the IoT sample on its
own, guarded in remote mode: each request is verified by the ramsts server at URL, which the
service calls with its own AccessKey (a RAM user of its account granted ``ramsts:VerifyRequest``).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from ramsts.api import create_app
from ramsts.cli import EXIT_FAILURE, EXIT_INVALID, EXIT_OK
from ramsts.cli.connections import raise_file_limit
from ramsts.cli.http_protocol import server_options
from ramsts.cli.serve import add_transport_arguments
from ramsts.config import Settings, TransportSettings, transport_from_env
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.guard import Guard, RemoteVerifier
from ramsts.guard.remote import DEFAULT_CACHE_TTL
from ramsts.iot.actions import IotService
from ramsts.iot.app import create_iot_app
from ramsts.iot.client import Credentials, RpcClient
from ramsts.iot.tables import IotTables, open_iot_database
from ramsts.iot.walkthrough import WalkthroughError, run_walkthrough
from ramsts.products import IOT, STS
from ramsts.services import (
    ACTION_MODULES,
    DEMO_PRODUCT_MODULES,
    build_services,
    freeze_start_up_objects,
)
from ramsts.types import Secret

STARTUP_TIMEOUT = 10.0


def demo_action_modules() -> tuple[str, ...]:
    """The server's products plus the demo's (the IoT sample), as ``--demo-products`` serves."""
    return tuple(dict.fromkeys((*ACTION_MODULES, *DEMO_PRODUCT_MODULES)))


DEMO_DESCRIPTION = """\
Run the six steps of the "Advanced guide to STS" and narrate them: create a role, write a policy,
authorize the role, let a RAM user assume it, call AssumeRole with a session policy and a
duration, then call the IoT sample product with the temporary credentials.

Without --endpoint, a server is started in this process over a fresh database in a temporary
directory, with a new account, and stopped at the end. With --endpoint URL --id ID --secret
SECRET, the steps run against that server as the given account (its root AccessKey, or a RAM
user allowed to manage RAM); the server must serve IoT (ramsts serve --demo-products), or
--iot-endpoint must name a ramsts demo-iot. At the end, what the steps created (a role, a user and
its AccessKey, three policies, an IoT product) is deleted, unless --keep.

Exit status 0 when every IoT call was allowed or denied as the policies say, 1 otherwise."""


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="run the STS guide's six steps against a server, narrated",
        description=DEMO_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--endpoint", help="ramsts server (default: start one in this process)")
    demo.add_argument("--iot-endpoint", help="IoT service, if not the server itself")
    demo.add_argument("--id", dest="access_key_id", help="AccessKeyId of the account to use")
    demo.add_argument("--secret", dest="access_key_secret", help="its AccessKeySecret")
    demo.add_argument("--account-id", help="the account's id (default: asked of STS)")
    demo.add_argument("--signature", choices=("v3", "v1"), default="v3")
    demo.add_argument(
        "--keep", action="store_true", help="keep the role, user, policies and product it creates"
    )
    demo.set_defaults(func=run_demo)

    iot = subparsers.add_parser(
        "demo-iot",
        help="serve the IoT sample, guarded by a ramsts server (remote mode)",
        description="Serve the IoT sample API; every request is verified by --ramsts.",
    )
    iot.add_argument("--host", default="127.0.0.1")
    iot.add_argument("--port", type=int, default=8081)
    iot.add_argument("--ramsts", required=True, metavar="URL", help="the ramsts server")
    iot.add_argument("--id", dest="access_key_id", required=True, help="the service's AccessKeyId")
    iot.add_argument(
        "--secret",
        dest="access_key_secret",
        help="its AccessKeySecret (or RAMSTS_SERVICE_SECRET; a flag shows in process lists)",
    )
    iot.add_argument("--db", default="sqlite://", help="IoT database URL (default: in memory)")
    iot.add_argument("--region", default=IOT.region)
    iot.add_argument(
        "--cache-ttl",
        type=float,
        default=DEFAULT_CACHE_TTL,
        help=f"seconds an allowed decision is reused (default {DEFAULT_CACHE_TTL})",
    )
    add_transport_arguments(iot)
    iot.set_defaults(func=run_demo_iot)


def run_demo_iot(args: argparse.Namespace) -> int:
    secret = args.access_key_secret or os.environ.get("RAMSTS_SERVICE_SECRET")
    if not secret:
        print("demo-iot: give --secret or RAMSTS_SERVICE_SECRET", file=sys.stderr)
        return EXIT_INVALID
    transport = transport_from_env().overridden(
        trusted_proxies=args.trusted_proxies,
        header_timeout=args.header_timeout,
        max_connections=args.max_connections,
        shutdown_timeout=args.shutdown_timeout,
    )
    raise_file_limit(transport.max_connections)
    verifier = RemoteVerifier(
        args.ramsts, args.access_key_id, Secret(secret), cache_ttl=args.cache_ttl
    )
    iot = IotService(IotTables(open_iot_database(args.db)), region=args.region)
    app = create_iot_app(iot, Guard(verifier))
    freeze_start_up_objects()
    print(f"IoT sample on http://{args.host}:{args.port}/, verified by {args.ramsts}", flush=True)
    try:
        uvicorn.run(
            app, host=args.host, port=args.port, log_config=None, **server_options(transport)
        )
    finally:
        verifier.close()
    return EXIT_OK


def run_demo(args: argparse.Namespace) -> int:
    if args.endpoint is None:
        with in_process_server() as (endpoint, root, account_id):
            return _walk(args, endpoint, root, account_id)
    if not (args.access_key_id and args.access_key_secret):
        print("demo: --endpoint needs --id and --secret", file=sys.stderr)
        return EXIT_INVALID
    root = Credentials(args.access_key_id, Secret(args.access_key_secret))
    return _walk(args, args.endpoint, root, args.account_id)


def _walk(
    args: argparse.Namespace, endpoint: str, root: Credentials, account_id: str | None
) -> int:
    ramsts = RpcClient(endpoint, signature=args.signature)
    iot = RpcClient(args.iot_endpoint or endpoint, signature=args.signature)
    try:
        if account_id is None:
            identity = ramsts.call(STS.version, "GetCallerIdentity", root)
            account_id = str(identity.body.get("AccountId", ""))
        calls = run_walkthrough(ramsts, iot, root, account_id, say=print, keep=args.keep)
    except WalkthroughError as failure:
        print(f"demo: {failure}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        ramsts.close()
        iot.close()
    return EXIT_OK if all(call.allowed == call.expected_allowed for call in calls) else EXIT_FAILURE


@contextmanager
def in_process_server() -> Iterator[tuple[str, Credentials, str]]:
    """A server with the demo products over a fresh SQLite database in a temporary directory,
    on a free loopback port: (endpoint, root credentials, account id)."""
    with tempfile.TemporaryDirectory(prefix="ramsts-demo-") as folder:
        settings = Settings(db_url=f"sqlite:///{Path(folder) / 'ramsts.db'}", data_dir=Path(folder))
        env = {MASTER_KEY_ENV: MasterKey.generate().encoded()}
        services = build_services(settings, env=env, action_modules=demo_action_modules())
        try:
            created = services.accounts.create_account("demo")
            print(f"Started a ramsts server in this process; account {created.account_id}.")
            # The API alone: the walkthrough needs no console.
            with serving(create_app(services)) as port:
                root = Credentials(created.access_key_id, created.access_key_secret)
                yield f"127.0.0.1:{port}", root, created.account_id
        finally:
            services.close()


@contextmanager
def serving(app: Any, transport: TransportSettings | None = None) -> Iterator[int]:
    """``app`` on uvicorn in a thread, on a free loopback port, until the block ends, as every
    front door serves (``transport``: the defaults unless given)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="auto",  # a guarded app closes its connections at the lifespan's shutdown
        **server_options(transport or TransportSettings()),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT)
        sock.close()
