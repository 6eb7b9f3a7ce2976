"""OIDC federation end to end, on SQLite and PostgreSQL: a real OpenID Connect provider (the npm
package ``oidc-provider``, ``scripts/oidc_idp.mjs``) on loopback https issues tokens; the Ims SDK
(``alibabacloud-ims20190815``) registers it; the Tea STS client's ``assume_role_with_oidc`` and
``alibabacloud-credentials``' OIDC provider (the RRSA environment variables, in a process of its
own, as in a pod) turn its tokens into role sessions, which then sign requests.

One IdP for the module and one ramsts server (https, trusting the IdP's CA through
``oidc_ca_file``) per store.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_tea_openapi.exceptions import ClientException
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ramsts.crypto.dev_certificate import make_dev_certificate, write_dev_certificate
from ramsts.testing import PROXY_VARIABLES, RamstsServer, ramsts_server
from role_session_calls import (
    assert_the_guard_serves_it_as_a_role_session,
    refused_within_a_second,
    session_key,
)

pytestmark = [pytest.mark.sdk, pytest.mark.xdist_group("node-oidc")]

HERE = Path(__file__).resolve().parent
AUDIENCE = "sts.aliyuncs.com"
STARTUP_TIMEOUT = 30
POSTGRES_URL = os.environ.get(
    "RAMSTS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class Idp:
    issuer: str
    ca_file: Path
    fingerprint: str
    """SHA-1 of the IdP's CA certificate, as an operator would take it from the chain."""

    def token(self, client: str = "pod-a", audience: str = AUDIENCE) -> str:
        """A client-credentials JWT of ``client`` (its ``sub``) for ``audience``."""
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": client,
                "client_secret": f"{client}-secret",
                "resource": f"urn:ramsts:aud:{audience}",
                "scope": "openid",
            }
        ).encode()
        context = ssl.create_default_context(cafile=str(self.ca_file))
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
        )
        with opener.open(f"{self.issuer}/token", data=form, timeout=10) as answer:
            return str(json.load(answer)["access_token"])


@pytest.fixture(scope="module")
def idp(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Idp]:
    files = write_dev_certificate(
        make_dev_certificate(datetime.now(UTC)), tmp_path_factory.mktemp("idp")
    )
    environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    environment.update(
        NODE_PATH=str(HERE / "node_modules"),
        OIDC_IDP_CERT=str(files.cert_file),
        OIDC_IDP_KEY=str(files.key_file),
        OIDC_IDP_CLIENTS=json.dumps(["pod-a", "pod-b"]),
        OIDC_IDP_AUDIENCES=json.dumps([AUDIENCE, "another-app"]),
    )
    process = subprocess.Popen(
        [node, str(HERE / "scripts" / "oidc_idp.mjs")],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    watchdog = threading.Timer(STARTUP_TIMEOUT, process.kill)
    watchdog.start()
    assert process.stdout is not None
    line = process.stdout.readline()
    watchdog.cancel()
    try:
        assert line, "the IdP did not start"
        ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
        fingerprint = hashlib.sha1(ca.public_bytes(serialization.Encoding.DER)).hexdigest()
        yield Idp(json.loads(line)["issuer"], files.ca_file, fingerprint)
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db_url_for_module(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        if os.environ.get("RAMSTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {str(exc).splitlines()[0]}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@dataclass(frozen=True)
class Federation:
    server: RamstsServer
    idp: Idp
    provider_arn: str
    role_arn: str

    def sts(self) -> Any:
        return self.server.sts_client()

    def assume(self, token: str, **params: Any) -> Any:
        request = sts_models.AssumeRoleWithOIDCRequest(
            oidcprovider_arn=self.provider_arn,
            role_arn=self.role_arn,
            oidctoken=token,
            role_session_name=params.pop("role_session_name", "pod-session"),
            **params,
        )
        return self.sts().assume_role_with_oidc(request).body


def ims_client(server: RamstsServer, *, signature: str = "v3") -> ImsClient:
    return ImsClient(server.tea_config(signature=signature))


@pytest.fixture(scope="module")
def federation(idp: Idp, db_url_for_module: str | None) -> Iterator[Federation]:
    with ramsts_server(db_url=db_url_for_module, tls=True, oidc_ca_file=idp.ca_file) as server:
        created = ims_client(server).create_oidcprovider(
            ims_models.CreateOIDCProviderRequest(
                oidcprovider_name="pods",
                issuer_url=idp.issuer,
                client_ids=AUDIENCE,
                fingerprints=idp.fingerprint,
            )
        )
        provider_arn = created.body.oidcprovider.arn
        trust = {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Principal": {"Federated": [provider_arn]},
                    "Condition": {
                        "StringEquals": {
                            "oidc:iss": idp.issuer,
                            "oidc:aud": AUDIENCE,
                            "oidc:sub": "pod-a",
                        }
                    },
                }
            ],
        }
        role_arn = server.create_role(
            "pod-role",
            trust_policy=trust,
            statements=[{"Effect": "Allow", "Action": "ram:List*", "Resource": "*"}],
        )
        yield Federation(server, idp, provider_arn, role_arn)


# -- Ims ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v1"])
def test_the_ims_sdk_manages_oidc_providers(federation: Federation, signature: str) -> None:
    ims = ims_client(federation.server, signature=signature)
    name = f"idp-{signature}"
    ims.create_oidcprovider(
        ims_models.CreateOIDCProviderRequest(
            oidcprovider_name=name,
            issuer_url=f"https://{name}.example.com",
            client_ids="a,b",
            fingerprints="aa" * 20,
            description="made by the SDK",
        )
    )
    ims.add_client_id_to_oidcprovider(
        ims_models.AddClientIdToOIDCProviderRequest(oidcprovider_name=name, client_id="c")
    )
    ims.remove_client_id_from_oidcprovider(
        ims_models.RemoveClientIdFromOIDCProviderRequest(oidcprovider_name=name, client_id="a")
    )
    ims.add_fingerprint_to_oidcprovider(
        ims_models.AddFingerprintToOIDCProviderRequest(
            oidcprovider_name=name, fingerprint="bb" * 20
        )
    )
    ims.remove_fingerprint_from_oidcprovider(
        ims_models.RemoveFingerprintFromOIDCProviderRequest(
            oidcprovider_name=name, fingerprint="aa" * 20
        )
    )
    ims.update_oidcprovider(
        ims_models.UpdateOIDCProviderRequest(
            oidcprovider_name=name, issuance_limit_time=3, new_description="updated"
        )
    )
    got = ims.get_oidcprovider(ims_models.GetOIDCProviderRequest(oidcprovider_name=name))
    provider = got.body.oidcprovider
    assert (provider.client_ids, provider.fingerprints) == ("b,c", "bb" * 20)
    assert (provider.issuance_limit_time, provider.description) == (3, "updated")
    listed = ims.list_oidcproviders(ims_models.ListOIDCProvidersRequest())
    names = [p.oidcprovider_name for p in listed.body.oidcproviders.oidcprovider]
    assert name in names and "pods" in names
    ims.delete_oidcprovider(ims_models.DeleteOIDCProviderRequest(oidcprovider_name=name))
    with pytest.raises(ClientException) as caught:
        ims.get_oidcprovider(ims_models.GetOIDCProviderRequest(oidcprovider_name=name))
    assert (caught.value.code, caught.value.status_code) == ("EntityNotExist.OIDCProvider", 404)


# -- AssumeRoleWithOIDC ------------------------------------------------------------------------


def test_a_token_of_the_idp_buys_a_role_session_that_signs_requests(
    federation: Federation,
) -> None:
    body = federation.assume(federation.idp.token(), duration_seconds=900)
    account = federation.server.account_id
    assert body.assumed_role_user.arn == f"acs:ram::{account}:role/pod-role/pod-session"
    assert body.credentials.access_key_id.startswith("STS.")
    info = body.oidctoken_info
    assert (info.issuer, info.subject, info.client_ids) == (
        federation.idp.issuer,
        "pod-a",
        AUDIENCE,
    )
    assert info.verification_info == "Success"
    issued = datetime.strptime(info.issuance_time, "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(body.credentials.expiration, "%Y-%m-%dT%H:%M:%SZ")
    assert (expires - issued).total_seconds() >= 900

    identity = federation.server.sts_client(session_key(body)).get_caller_identity().body
    assert identity.identity_type == "AssumedRoleUser"
    assert identity.arn == f"acs:ram::{account}:assumed-role/pod-role/pod-session"
    assert identity.principal_id.endswith(":pod-session")
    federation.server.ram_client(session_key(body)).list_users(ram_models.ListUsersRequest())


def test_the_guard_verifies_an_oidc_session_as_any_role_session(federation: Federation) -> None:
    key = session_key(federation.assume(federation.idp.token(), role_session_name="guarded"))
    assert_the_guard_serves_it_as_a_role_session(federation.server, key, "pod-role/guarded")


def test_the_session_policy_narrows_the_session_and_revocation_ends_it(
    federation: Federation,
) -> None:
    only_users = json.dumps(
        {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "ram:ListUsers", "Resource": "*"}],
        }
    )
    body = federation.assume(federation.idp.token(), policy=only_users)
    ram = federation.server.ram_client(session_key(body))
    ram.list_users(ram_models.ListUsersRequest())
    with pytest.raises(ClientException) as denied:
        ram.list_roles(ram_models.ListRolesRequest())
    assert denied.value.code == "NoPermission"
    federation.server.call("2015-05-01", "RevokeRoleSessions", RoleName="pod-role")
    revoked = refused_within_a_second(lambda: ram.list_users(ram_models.ListUsersRequest()))
    assert revoked.code == "InvalidSecurityToken.Expired"
    # A session begun after the revocation works.
    fresh = federation.assume(federation.idp.token())
    federation.server.ram_client(session_key(fresh)).list_users(ram_models.ListUsersRequest())


@pytest.mark.parametrize(
    ("token_of", "params", "code"),
    [
        (("pod-b", AUDIENCE), {}, "AuthenticationFail.NoPermission"),  # oidc:sub
        (("pod-a", "another-app"), {}, "AuthenticationFail.OIDCToken.AudienceNotMatch"),
        (("pod-a", AUDIENCE), {"duration_seconds": 899}, "InvalidParameter.DurationSeconds"),
    ],
)
def test_what_the_provider_or_the_trust_policy_does_not_allow_is_refused(
    federation: Federation, token_of: tuple[str, str], params: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientException) as caught:
        federation.assume(federation.idp.token(*token_of), **params)
    assert caught.value.code == code
    assert caught.value.status_code == (400 if code.startswith("Invalid") else 401)


def test_a_provider_that_does_not_exist_is_refused(federation: Federation) -> None:
    request = sts_models.AssumeRoleWithOIDCRequest(
        oidcprovider_arn=federation.provider_arn.replace("/pods", "/ghost"),
        role_arn=federation.role_arn,
        oidctoken=federation.idp.token(),
        role_session_name="s1",
    )
    with pytest.raises(ClientException) as caught:
        federation.sts().assume_role_with_oidc(request)
    assert (caught.value.code, caught.value.status_code) == ("AuthenticationFail.NoPermission", 401)


POD = """
import json, sys
from alibabacloud_credentials.provider.oidc import OIDCRoleArnCredentialsProvider
from alibabacloud_sts20150401.client import Client
from alibabacloud_tea_openapi.models import Config

endpoint = sys.argv[1]
credentials = OIDCRoleArnCredentialsProvider(sts_endpoint=endpoint).get_credentials()
config = Config(
    access_key_id=credentials.get_access_key_id(),
    access_key_secret=credentials.get_access_key_secret(),
    security_token=credentials.get_security_token(),
    endpoint=endpoint, protocol="https", ca=sys.argv[2],
)
print(json.dumps(Client(config).get_caller_identity().body.to_map()))
"""


def test_a_pod_with_the_rrsa_variables_gets_credentials_from_its_token_file(
    federation: Federation, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(federation.idp.token())
    server = federation.server
    assert server.ca_file is not None
    environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    environment.update(
        ALIBABA_CLOUD_ROLE_ARN=federation.role_arn,
        ALIBABA_CLOUD_OIDC_PROVIDER_ARN=federation.provider_arn,
        ALIBABA_CLOUD_OIDC_TOKEN_FILE=str(token_file),
        ALIBABA_CLOUD_ROLE_SESSION_NAME="rrsa-pod",
        # The credentials library calls STS through an ssl default context, which OpenSSL
        # fills from this file.
        SSL_CERT_FILE=str(server.ca_file),
    )
    finished = subprocess.run(
        [sys.executable, "-c", POD, server.endpoint, str(server.ca_file)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    identity = json.loads(finished.stdout)
    account = server.account_id
    assert identity["Arn"] == f"acs:ram::{account}:assumed-role/pod-role/rrsa-pod"
    assert identity["IdentityType"] == "AssumedRoleUser"
