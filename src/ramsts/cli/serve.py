"""``ramsts serve``: run the HTTP API (and the console) on uvicorn.

Every flag also reads its environment variable (see :mod:`ramsts.config`). On the first start
with an empty database, a default account is created and its AccountId, root AccessKey pair and
console password are printed once, to standard output — never to the log.

With ``--workers N`` > 1, N processes each build their own services from the environment
and listen on a socket of their own (:mod:`ramsts.cli.workers`); this process prepares the
database (schema, master key, token key, default account) before any of them starts, then
supervises them. Every server stops gracefully on SIGTERM (:mod:`ramsts.cli.graceful`).
"""

from __future__ import annotations

import argparse
import copy
import os
import socket
import ssl
import sys
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Any

import uvicorn

from ramsts.cli import EXIT_FAILURE, EXIT_OK
from ramsts.cli.connections import raise_file_limit
from ramsts.cli.graceful import serve_until_stopped
from ramsts.cli.workers import serve_in_workers
from ramsts.config import Settings, settings_from_env
from ramsts.crypto import MasterKeyError
from ramsts.metrics.directory import multiprocess_directory
from ramsts.metrics.registry import MULTIPROCESS_DIR_ENV
from ramsts.ram.accounts import CreatedAccount
from ramsts.services import build_services
from ramsts.store import StoreError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the RAM/STS HTTP API",
        description="Serve RAM and STS over HTTP. Flags override RAMSTS_* environment variables.",
    )
    parser.add_argument("--host", help="address to listen on (RAMSTS_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (RAMSTS_PORT, default 8080)")
    parser.add_argument("--db", dest="db_url", metavar="URL", help="database URL (RAMSTS_DB)")
    parser.add_argument("--workers", type=int, help="worker processes (RAMSTS_WORKERS, default 1)")
    parser.add_argument(
        "--data-dir", help="directory of the master key file (RAMSTS_DATA_DIR, default ./var)"
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="log level (RAMSTS_LOG_LEVEL, default info)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="text lines, or one JSON object a line (RAMSTS_LOG_FORMAT, default text)",
    )
    parser.add_argument(
        "--metrics",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve GET /metrics, Prometheus' text format (RAMSTS_METRICS=1; default off)",
    )
    parser.add_argument(
        "--throttle",
        metavar="QUOTAS",
        help="per-account request quotas, e.g. AssumeRole=100/s,GetCallerIdentity=100/s "
        "(RAMSTS_THROTTLE; default none)",
    )
    parser.add_argument(
        "--audit-retention",
        metavar="AGE",
        help="keep audit trail events this long, e.g. 90d or 12h; older ones are purged at "
        "start and hourly (RAMSTS_AUDIT_RETENTION, default 90d, as ActionTrail's event history)",
    )
    parser.add_argument(
        "--demo-products",
        action="store_true",
        default=None,
        help="also serve the IoT sample product (RAMSTS_DEMO_PRODUCTS=1)",
    )
    parser.add_argument(
        "--tls-cert",
        metavar="FILE",
        help="serve https with this PEM certificate chain (RAMSTS_TLS_CERT; needs --tls-key)",
    )
    parser.add_argument(
        "--tls-key", metavar="FILE", help="the certificate's PEM private key (RAMSTS_TLS_KEY)"
    )
    add_transport_arguments(parser)
    parser.set_defaults(func=run)


def add_transport_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of :class:`~ramsts.config.TransportSettings`, which every server command takes."""
    parser.add_argument(
        "--trusted-proxies",
        metavar="LIST",
        help="addresses and CIDR blocks of the proxies whose X-Forwarded-For/-Proto headers are "
        "believed, e.g. 10.0.0.1,10.8.0.0/16 (RAMSTS_TRUSTED_PROXIES, default none)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        metavar="SECONDS",
        help="close a connection that has not sent a whole request head within this time "
        "(RAMSTS_HEADER_TIMEOUT, default 5)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        metavar="N",
        help="connections one process holds at most (RAMSTS_MAX_CONNECTIONS, default 4096)",
    )
    parser.add_argument(
        "--shutdown-timeout",
        type=float,
        metavar="SECONDS",
        help="on SIGTERM, finish the requests being answered for up to this long, then cancel "
        "them (RAMSTS_SHUTDOWN_TIMEOUT, default 10)",
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from_env().overridden(
        host=args.host,
        port=args.port,
        db_url=args.db_url,
        workers=args.workers,
        data_dir=args.data_dir,
        log_level=args.log_level,
        log_format=args.log_format,
        metrics=args.metrics,
        throttle=args.throttle,
        audit_retention=args.audit_retention,
        demo_products=args.demo_products,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        trusted_proxies=args.trusted_proxies,
        header_timeout=args.header_timeout,
        max_connections=args.max_connections,
        shutdown_timeout=args.shutdown_timeout,
    )
    with _metrics_directory(settings):
        return _serve(settings)


def _metrics_directory(settings: Settings) -> AbstractContextManager[object]:
    """Where the workers' metrics meet (:mod:`ramsts.metrics.directory`), emptied before any
    metric is made: with several workers, or in the directory an operator chose."""
    shared = settings.workers > 1 or bool(os.environ.get(MULTIPROCESS_DIR_ENV))
    return multiprocess_directory() if settings.metrics and shared else nullcontext()


def _serve(settings: Settings) -> int:
    tls_problem = check_tls_files(settings)
    if tls_problem is not None:
        print(f"ramsts serve: {tls_problem}", file=sys.stderr)
        return EXIT_FAILURE
    busy = _port_problem(settings.host, settings.port)
    if busy is not None:
        # Before anything is created: the first start's credentials are printed once only.
        print(f"ramsts serve: {busy}", file=sys.stderr)
        return EXIT_FAILURE
    raise_file_limit(settings.transport.max_connections)  # the workers inherit it
    try:
        # With workers, this process only prepares the database: its services count nothing.
        services = build_services(
            settings if settings.workers == 1 else replace(settings, metrics=False, throttle=())
        )
    except (MasterKeyError, StoreError) as exc:
        print(f"ramsts serve: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    created = services.accounts.bootstrap()
    if created is not None:
        print_bootstrap(created)
    options = _uvicorn_options(settings)
    options.update(tls_options(settings))
    if settings.workers == 1:
        started = serve_until_stopped(services, options, settings.transport)
        return EXIT_OK if started else EXIT_FAILURE
    services.close()
    # The workers read their settings from the environment they inherit.
    os.environ.update(settings.to_env())
    serve_in_workers(settings.workers, options, settings.transport)
    return EXIT_OK


def _port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on (host, port), found before it starts; None if it can."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.create_server((host, port), family=family):
            return None
    except OSError as exc:
        return (
            f"cannot listen on {host}:{port}: {exc.strerror or exc}. Is another server running"
            " there? Choose another --port (RAMSTS_PORT)."
        )


def print_bootstrap(created: CreatedAccount) -> None:
    """Show the first account's credentials once; they are not stored in the clear anywhere."""
    lines = [
        "ramsts: created the default account. These credentials are shown only once:",
        f"  AccountId:        {created.account_id}",
        f"  AccessKeyId:      {created.access_key_id}",
        f"  AccessKeySecret:  {created.access_key_secret.reveal()}",
    ]
    if created.console_password is not None:
        lines.append(f"  Console password: {created.console_password.reveal()}")
    print("\n".join(lines), flush=True)


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Where to listen and how to log; the rest is :func:`server_options`, which each worker
    builds for itself."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": logging_config(settings.log_level, settings.log_format),
    }


def tls_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's TLS options: every worker loads the certificate and key into a context of its
    own. Requests over them see the ASGI scheme ``https``, so ``acs:SecureTransport`` is true."""
    if settings.tls_cert is None or settings.tls_key is None:
        return {}
    return {"ssl_certfile": str(settings.tls_cert), "ssl_keyfile": str(settings.tls_key)}


def check_tls_files(settings: Settings) -> str | None:
    """Why the certificate and key cannot serve https (missing, not PEM, not a pair, a key
    under a pass phrase), or ``None``: said here in one line, rather than in a traceback from
    inside uvicorn in every worker."""
    cert, key = settings.tls_cert, settings.tls_key
    if cert is None or key is None:
        return None
    for what, path in (("certificate", cert), ("key", key)):
        if not path.is_file():
            return f"the TLS {what} {path} is not a file"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # A key under a pass phrase would make OpenSSL ask for it on the terminal.
        context.load_cert_chain(cert, key, password=lambda: b"")
    except ssl.SSLError as exc:
        if exc.reason == "KEY_VALUES_MISMATCH":
            return f"the key {key} is not the key of the certificate {cert}"
        return f"{cert} and {key} are not a PEM certificate and its PEM key without a pass phrase"
    except OSError as exc:
        return f"cannot read {cert} or {key}: {exc.strerror}"
    return None


def logging_config(level: str, log_format: str = "text") -> dict[str, Any]:
    """uvicorn's logging configuration, with ramsts' own loggers on its default handler; in
    the ``json`` format, every handler writes :class:`~ramsts.cli.log_format.JsonLogFormatter`
    lines."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    if log_format == "json":
        json_lines = {"()": "ramsts.cli.log_format.JsonLogFormatter"}
        config["formatters"] = {"default": json_lines, "access": dict(json_lines)}
    config["loggers"]["ramsts"] = {
        "handlers": ["default"],
        "level": level.upper(),
        "propagate": False,
    }
    config["loggers"]["uvicorn"]["level"] = level.upper()
    return config
