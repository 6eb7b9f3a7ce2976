"""Nothing that authenticates reaches the log at any level, DEBUG included, nor an error body:
AccessKeySecrets, SecurityTokens, passwords, signatures, Authorization headers — also where they
sit inside another parameter, as in VerifyRequest's ``Query``, ``Headers`` and ``Body``, which
carry a guarded client's request as received.

Requests go over real HTTP to a live server (on both stores), signed RPC v1 and V3, with
long-term and STS credentials; every log record of the process is captured at DEBUG.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
import uvicorn

from local_servers import free_port
from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import build_services, create_server_app
from ramsts.signing import sign_rpc_v1, sign_v3
from ramsts.signing.encoding import percent_encode
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.types import Secret

RAM, STS, RAMSTS, IOT = "2015-05-01", "2015-04-01", "2026-11-01", "2018-01-20"
MAY_VERIFY = [{"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}]
MAY_QUERY = [{"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": "*"}]
PASSWORD = "Log-Test-Passw0rd!7x"
WEAK_PASSWORD = "weakpw"
FORMAT = logging.Formatter("%(name)s %(levelname)s %(message)s")
CLIENT_LOGGERS = ("httpx", "httpcore")


class Exchange:
    """Signs and sends requests, and keeps every credential they carried."""

    def __init__(self, server: RamstsServer) -> None:
        self.server = server
        self.credentials: set[str] = set()

    def keep(self, *values: str | None) -> None:
        self.credentials.update(value for value in values if value)

    def v1(self, key: AccessKey, version: str, action: str, **form: str) -> httpx.Response:
        signed = sign_rpc_v1(
            "POST",
            {"Action": action, "Version": version},
            key.access_key_id,
            Secret(key.access_key_secret),
            key.security_token,
            form=form,
        )
        self.keep(signed.signature)
        return self.send(f"/?{signed.query}", list(signed.headers), signed.body)

    def v3(self, key: AccessKey, version: str, action: str, **query: str) -> httpx.Response:
        signed = sign_v3(
            "POST",
            self.server.endpoint,
            action,
            version,
            query,
            key.access_key_id,
            Secret(key.access_key_secret),
            key.security_token,
        )
        self.keep(signed.signature, dict(signed.headers)["Authorization"])
        return self.send(f"/?{signed.query}", list(signed.headers), signed.body)

    def send(self, target: str, headers: list[tuple[str, str]], body: bytes) -> httpx.Response:
        return httpx.post(
            f"{self.server.url}{target}", headers=headers, content=body, trust_env=False
        )


def client_query(exchange: Exchange, client: AccessKey, method: str) -> str:
    """The query of a client's RPC v1 call: Signature and SecurityToken are in it."""
    signed = sign_rpc_v1(
        method,
        {"Action": "QueryProduct", "Version": IOT, "ProductKey": "a1B"},
        client.access_key_id,
        Secret(client.access_key_secret),
        client.security_token,
    )
    exchange.keep(signed.signature)
    return signed.query


def guarded_v1_get(exchange: Exchange, client: AccessKey) -> dict[str, str]:
    """What a resource service forwards of a client's RPC v1 GET."""
    query = client_query(exchange, client, "GET")
    return {"HttpMethod": "GET", "Query": query, "Headers": json.dumps([["host", "iot"]])}


def guarded_v1_form(exchange: Exchange, client: AccessKey) -> dict[str, str]:
    """A client's RPC v1 POST that sends everything in its form body, credentials included."""
    body = client_query(exchange, client, "POST").encode()
    return {
        "HttpMethod": "POST",
        "Headers": json.dumps(
            [["host", "iot"], ["content-type", "application/x-www-form-urlencoded"]]
        ),
        "Body": base64.b64encode(body).decode(),
    }


def guarded_v3(exchange: Exchange, client: AccessKey, secret: str | None = None) -> dict[str, str]:
    """A client's V3 request: the signature in Authorization, the token in its own header."""
    signed = sign_v3(
        "POST",
        "iot",
        "QueryProduct",
        IOT,
        {"ProductKey": "a1B"},
        client.access_key_id,
        Secret(secret or client.access_key_secret),
        client.security_token,
    )
    exchange.keep(signed.signature, dict(signed.headers)["Authorization"])
    return {
        "HttpMethod": "POST",
        "Query": signed.query,
        "Headers": json.dumps([list(pair) for pair in signed.headers]),
    }


def spellings(credential: str) -> set[str]:
    """The forms a value takes on the way: as is, percent-encoded (RFC 3986, twice, form style),
    escaped in JSON."""
    return {
        credential,
        percent_encode(credential),
        percent_encode(percent_encode(credential)),  # inside an RPC v1 StringToSign
        quote(credential, safe=""),
        quote_plus(credential),
        json.dumps(credential)[1:-1],
    }


@pytest.fixture
def server(db_url: str) -> Iterator[RamstsServer]:
    with ramsts_server(db_url=db_url) as started:
        yield started


def test_no_credential_reaches_any_log_record_or_error_body(
    server: RamstsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    exchange = Exchange(server)
    service = server.create_user("iot-service", statements=MAY_VERIFY)
    alice = server.create_user("alice", policies=["AliyunSTSAssumeRoleAccess"])
    role_arn = server.create_role("reader", statements=MAY_QUERY)
    exchange.keep(server.root.access_key_secret, service.access_key_secret, alice.access_key_secret)
    exchange.keep(PASSWORD, WEAK_PASSWORD)

    created = exchange.v3(
        server.root, RAM, "CreateLoginProfile", UserName="alice", Password=PASSWORD
    )
    refused = exchange.v1(
        server.root, RAM, "UpdateLoginProfile", UserName="alice", Password=WEAK_PASSWORD
    )
    assumed = exchange.v1(alice, STS, "AssumeRole", RoleArn=role_arn, RoleSessionName="logs")
    credentials = assumed.json()["Credentials"]
    session = AccessKey.from_credentials(credentials)
    exchange.keep(session.access_key_secret, session.security_token)
    who_v1 = exchange.v1(session, STS, "GetCallerIdentity")
    who_v3 = exchange.v3(session, STS, "GetCallerIdentity")
    verified = [
        exchange.v1(service, RAMSTS, "VerifyRequest", **guarded(exchange, session))
        for guarded in (guarded_v1_get, guarded_v1_form, guarded_v3)
    ]
    forged = exchange.v1(
        service, RAMSTS, "VerifyRequest", **guarded_v3(exchange, session, "x" * 44)
    )
    forged_v1 = exchange.v1(
        service,
        RAMSTS,
        "VerifyRequest",
        **guarded_v1_get(
            exchange, AccessKey(session.access_key_id, "x" * 44, session.security_token)
        ),
    )
    bad_service_call = exchange.v1(
        AccessKey(service.access_key_id, "x" * 30), RAMSTS, "VerifyRequest"
    )
    # A v1 SignatureDoesNotMatch shows the server's StringToSign, which holds every parameter.
    bad_password_call = exchange.v1(
        AccessKey(server.root.access_key_id, "x" * 30),
        RAM,
        "CreateLoginProfile",
        UserName="bob",
        Password=PASSWORD,
    )

    assert [created.status_code, refused.status_code] == [200, 400]
    assert [assumed.status_code, who_v1.status_code, who_v3.status_code] == [200, 200, 200]
    assert [answer.json()["Verified"] for answer in verified] == [True, True, True]
    assert forged.json()["Error"]["Code"] == "SignatureDoesNotMatch"
    assert forged_v1.json()["Error"]["Code"] == "SignatureDoesNotMatch"
    assert bad_service_call.json()["Code"] == "SignatureDoesNotMatch"
    assert bad_password_call.json()["Code"] == "SignatureDoesNotMatch"
    assert "SecurityToken%3D%252A%252A%252A" in forged_v1.json()["Error"]["Message"]
    logged = "\n".join(
        FORMAT.format(record)
        for record in caplog.records
        if not record.name.startswith(CLIENT_LOGGERS)  # the test's own HTTP client
    )
    assert " params " in logged and "VerifyRequest" in logged  # parameters were logged at DEBUG
    errors = [refused, forged, forged_v1, bad_service_call, bad_password_call]
    for credential in exchange.credentials:
        for spelled in spellings(credential):
            assert spelled not in logged, f"a credential was logged: {credential[:6]}…"
            for error in errors:
                assert spelled not in error.text, f"an error showed a credential: {credential[:6]}…"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_uvicorn_s_access_log_when_switched_on_shows_no_credential(tmp_path: Path) -> None:
    """``ramsts serve`` keeps uvicorn's access log off; an application served with it on (another
    server command, a process manager) still logs request lines without their credentials."""
    services = build_services(
        Settings(db_url=f"sqlite:///{tmp_path / 'ramsts.db'}", data_dir=tmp_path),
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
    )
    created = services.accounts.create_account("access-log")
    access = Lines()
    access_logger = logging.getLogger("uvicorn.access")
    access_logger.addHandler(access)
    level = access_logger.level
    access_logger.setLevel(logging.INFO)
    server = uvicorn.Server(
        uvicorn.Config(
            create_server_app(services), port=free_port(), log_config=None, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        token = "CAIS" + "t0ken" * 20
        signed = sign_rpc_v1(
            "GET",
            {"Action": "GetCallerIdentity", "Version": STS, "Password": PASSWORD},
            created.access_key_id,
            created.access_key_secret,
            token,
        )
        port = server.config.port
        httpx.get(f"http://127.0.0.1:{port}/?{signed.query}", trust_env=False)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access_logger.removeHandler(access)
        access_logger.setLevel(level)
        services.close()
    (line,) = access.lines
    assert "GetCallerIdentity" in line and "Signature=***" in line
    for credential in (signed.signature, token, PASSWORD):
        assert not [spelled for spelled in spellings(credential) if spelled in line]
