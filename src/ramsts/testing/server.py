"""The test server behind :mod:`ramsts.testing`: ramsts in this process, served by uvicorn on a
loopback port, with its clients and set-up helpers. Imported on first use, so that the pytest
plugin costs nothing in a session that does not use it."""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import uvicorn

from ramsts.caller import Caller
from ramsts.cli.http_protocol import server_options
from ramsts.config import Settings, TransportSettings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.crypto.dev_certificate import make_dev_certificate, write_dev_certificate
from ramsts.products import RAM, STS
from ramsts.services import Services, build_services, create_server_app
from ramsts.types import Clock, system_clock

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
)
STARTUP_TIMEOUT = 10.0
REGION = "cn-hangzhou"
STS_VERSION, RAM_VERSION = STS.version, RAM.version


@dataclass(frozen=True, slots=True)
class AccessKey:
    """Credentials to sign with: a long-term AccessKey, or STS credentials with their token."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, str]) -> AccessKey:
        """From AssumeRole's ``Credentials`` object."""
        return cls(
            credentials["AccessKeyId"],
            credentials["AccessKeySecret"],
            credentials["SecurityToken"],
        )

    def __repr__(self) -> str:
        return f"AccessKey({self.access_key_id!r}, ***)"


class RamstsServer:
    """A running server: where it is, its root credentials, clients and set-up helpers."""

    def __init__(
        self,
        services: Services,
        port: int,
        account_id: str,
        root: AccessKey,
        *,
        scheme: str = "http",
        ca_file: Path | None = None,
    ) -> None:
        self.services = services
        self.port = port
        self.account_id = account_id
        self.root = root
        self.scheme = scheme
        self.ca_file = ca_file
        """For a server started with ``tls=True``, the CA to trust (``NODE_EXTRA_CA_CERTS``,
        ``SSL_CERT_FILE``, ``ALIBABA_CLOUD_CA_BUNDLE``); the clients below trust it already."""
        self._names = count(1)
        self._classic_clients: list[Any] = []

    @property
    def endpoint(self) -> str:
        """``127.0.0.1:PORT``, the endpoint form every SDK takes."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, or ``https://…`` for a server started with ``tls``."""
        return f"{self.scheme}://{self.endpoint}"

    # -- clients ------------------------------------------------------------------------------

    def tea_config(self, key: AccessKey | None = None, *, signature: str = "v3") -> Any:
        """An ``alibabacloud_tea_openapi`` Config for this server (``signature="v1"`` selects
        RPC v1 HMAC-SHA1, which the SDK calls ``signature_algorithm='v2'``)."""
        key = key or self.root
        models = importlib.import_module("alibabacloud_tea_openapi.models")
        config = models.Config(
            access_key_id=key.access_key_id,
            access_key_secret=key.access_key_secret,
            security_token=key.security_token,
            endpoint=self.endpoint,
            protocol=self.scheme,
            region_id=REGION,
        )
        if self.ca_file is not None:
            config.ca = str(self.ca_file)
        if signature == "v1":
            config.signature_algorithm = "v2"
        return config

    def sts_client(self, key: AccessKey | None = None, *, signature: str = "v3") -> Any:
        """An ``alibabacloud_sts20150401`` client."""
        client = importlib.import_module("alibabacloud_sts20150401.client")
        return client.Client(self.tea_config(key, signature=signature))

    def ram_client(self, key: AccessKey | None = None, *, signature: str = "v3") -> Any:
        """An ``alibabacloud_ram20150501`` client."""
        client = importlib.import_module("alibabacloud_ram20150501.client")
        return client.Client(self.tea_config(key, signature=signature))

    def acs_client(self, key: AccessKey | None = None) -> Any:
        """A classic ``aliyunsdkcore`` AcsClient whose Sts and Ram requests (typed request
        classes included, which force https) go to this server over http."""
        key = key or self.root
        core = importlib.import_module("aliyunsdkcore.client")
        if key.security_token is None:
            client = core.AcsClient(key.access_key_id, key.access_key_secret, REGION)
        else:
            sts_credential = importlib.import_module("aliyunsdkcore.auth.credentials")
            credential = sts_credential.StsTokenCredential(
                key.access_key_id, key.access_key_secret, key.security_token
            )
            client = core.AcsClient(region_id=REGION, credential=credential)
        for product in ("Sts", "Ram"):
            client.add_endpoint(REGION, product, self.url)
        if self.ca_file is not None:
            client.set_verify(str(self.ca_file))
        self._classic_clients.append(client)
        return client

    def close_connections(self) -> None:
        """Close the SDKs' pooled connections to this server. The Tea and credentials stacks
        pool connections per host:port in module-wide sessions, which would otherwise keep a
        socket to a stopped server until the interpreter exits."""
        for client in self._classic_clients:
            client.session.close()
        self._classic_clients.clear()
        for module_name, class_name in (("darabonba.core", "DaraCore"), ("Tea.core", "TeaCore")):
            module = sys.modules.get(module_name)
            sessions = getattr(getattr(module, class_name, None), "_sessions", None)
            if not isinstance(sessions, dict):
                continue
            for key in [key for key in sessions if f"127.0.0.1:{self.port}" in key]:
                sessions.pop(key).close()

    # -- set-up, through the same actions the API serves ------------------------------------

    def call(self, version: str, action: str, caller: Caller | None = None, **params: str) -> Any:
        """Run an action as the account's root (or ``caller``) without HTTP."""
        return self.invoke(version, action, params, caller)

    def invoke(
        self, version: str, action: str, params: dict[str, str], caller: Caller | None = None
    ) -> Any:
        """:meth:`call` with the parameters as a dictionary."""
        handler = self.services.actions.resolve(version, action).handler
        return handler(caller or self._root_caller(), params)

    def create_user(
        self,
        name: str,
        *,
        policies: Sequence[str] = (),
        statements: Sequence[dict[str, Any]] = (),
    ) -> AccessKey:
        """A RAM user with an AccessKey, the named system or custom ``policies`` and a custom
        policy made of ``statements`` attached."""
        self.call(RAM_VERSION, "CreateUser", UserName=name)
        self._attach("User", "UserName", name, policies, statements)
        key = self.call(RAM_VERSION, "CreateAccessKey", UserName=name)["AccessKey"]
        return AccessKey(key["AccessKeyId"], key["AccessKeySecret"])

    def create_role(
        self,
        name: str,
        *,
        trust_policy: dict[str, Any] | None = None,
        policies: Sequence[str] = (),
        statements: Sequence[dict[str, Any]] = (),
        max_session_duration: int = 3600,
    ) -> str:
        """A RAM role (trusting the account's own users and roles unless ``trust_policy`` says
        otherwise) with policies attached; returns its ARN."""
        document = trust_policy or {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"RAM": [f"acs:ram::{self.account_id}:root"]},
                }
            ],
        }
        role = self.call(
            RAM_VERSION,
            "CreateRole",
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(document),
            MaxSessionDuration=str(max_session_duration),
        )["Role"]
        self._attach("Role", "RoleName", name, policies, statements)
        return str(role["Arn"])

    def _attach(
        self,
        kind: str,
        parameter: str,
        name: str,
        policies: Sequence[str],
        statements: Sequence[dict[str, Any]],
    ) -> None:
        attached = [(policy, self._policy_type(policy)) for policy in policies]
        if statements:
            custom = f"{name}-policy-{next(self._names)}"
            document = json.dumps({"Version": "1", "Statement": list(statements)})
            self.call(RAM_VERSION, "CreatePolicy", PolicyName=custom, PolicyDocument=document)
            attached.append((custom, "Custom"))
        for policy, policy_type in attached:
            params = {"PolicyName": policy, "PolicyType": policy_type, parameter: name}
            self.invoke(RAM_VERSION, f"AttachPolicyTo{kind}", params)

    def _policy_type(self, policy_name: str) -> str:
        with self.services.store.read() as tx:
            system = tx.policies.get(self.account_id, "System", policy_name)
        return "System" if system is not None else "Custom"

    def _root_caller(self) -> Caller:
        return Caller(
            account_id=self.account_id,
            identity_type="Account",
            arn=f"acs:ram::{self.account_id}:root",
            principal_id=self.account_id,
            access_key_id=self.root.access_key_id,
            display_name=self.account_id,
        )


@contextmanager
def _without_proxies() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in PROXY_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _serve(
    services: Services, tls_files: tuple[Path, Path] | None = None
) -> tuple[uvicorn.Server, threading.Thread, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        create_server_app(services),
        log_config=None,
        lifespan="off",
        ssl_certfile=None if tls_files is None else tls_files[0],
        ssl_keyfile=None if tls_files is None else tls_files[1],
        # As ramsts serve: acs:SourceIp is the client's own address, whatever X-Forwarded-For says.
        **server_options(TransportSettings()),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the ramsts test server did not start")
        time.sleep(0.01)
    return server, thread, port


@contextmanager
def ramsts_server(
    *,
    db_url: str | None = None,
    master_key: MasterKey | None = None,
    clock: Clock = system_clock,
    tls: bool = False,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    oidc_ca_file: Path | None = None,
    saml_recipients: tuple[str, ...] = (),
    throttle: str = "",
    wall_clock: Callable[[], float] = time.time,
    metrics: bool = False,
) -> Iterator[RamstsServer]:
    """A ramsts server for the duration of the block: a fresh SQLite database unless ``db_url``
    names another (empty, or shared with a CLI under test together with its ``master_key``).

    ``throttle`` sets per-account request quotas as ``--throttle`` does
    (``"AssumeRole=2/s"``: your code meets ``Throttling.User``), their windows numbered by
    ``wall_clock`` (seconds since the epoch); ``metrics`` serves ``GET /metrics``.

    ``tls=True`` serves https with a new development certificate for 127.0.0.1, whose CA is
    ``server.ca_file``; ``tls_cert`` and ``tls_key`` serve https with a certificate of your own.
    ``saml_recipients`` replaces the Recipient URLs AssumeRoleWithSAML accepts
    (``RAMSTS_SAML_RECIPIENTS``).
    """
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("tls_cert and tls_key go together")
    key = master_key or MasterKey.generate()
    with tempfile.TemporaryDirectory(prefix="ramsts-") as data_dir, _without_proxies():
        ca_file: Path | None = None
        tls_files = None if tls_cert is None or tls_key is None else (tls_cert, tls_key)
        if tls and tls_files is None:
            # Clients check a certificate against the real time, whatever ``clock`` says.
            certificate = make_dev_certificate(system_clock())
            written = write_dev_certificate(certificate, Path(data_dir) / "tls")
            ca_file, tls_files = written.ca_file, (written.cert_file, written.key_file)
        settings = Settings(
            db_url=db_url or f"sqlite:///{Path(data_dir) / 'ramsts.db'}",
            data_dir=Path(data_dir),
            oidc_ca_file=oidc_ca_file,
            saml_recipients=saml_recipients,
            metrics=metrics,
        ).overridden(throttle=throttle)
        services = build_services(
            settings,
            env={MASTER_KEY_ENV: key.encoded()},
            clock=clock,
            wall_clock=wall_clock,
        )
        try:
            created = services.accounts.create_account("ramsts-testing")
            root = AccessKey(created.access_key_id, created.access_key_secret.reveal())
            server, thread, port = _serve(services, tls_files)
            running = RamstsServer(
                services,
                port,
                created.account_id,
                root,
                scheme="http" if tls_files is None else "https",
                ca_file=ca_file,
            )
            try:
                yield running
            finally:
                running.close_connections()
                server.should_exit = True
                thread.join(timeout=STARTUP_TIMEOUT)
        finally:
            services.close()
