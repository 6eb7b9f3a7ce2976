"""``acs:SourceIp`` and ``acs:SecureTransport`` at every front door: the connection's own peer
and TLS, whatever ``X-Forwarded-For`` / ``X-Forwarded-Proto`` say, unless the operator names the
proxies to believe (``--trusted-proxies``); then the right-most address that is not one of them.

Alice's policy allows her calls only from 203.0.113.0/24 (documentation addresses: no test
client has one) or only over TLS (no test client uses it), so whether a call is allowed shows
which address and transport the server saw. Calls go through aliyun-python-sdk-core.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import AccessKeyCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from server_processes import Served, create_user, ramsts_command

from local_servers import serve_env
from ramsts.cli import main
from ramsts.cli.demo import in_process_server
from ramsts.iot.client import Credentials
from ramsts.testing import ramsts_server
from ramsts.types import Secret

pytestmark = pytest.mark.xdist_group("forwarded-headers")

RAM, IOT = "2015-05-01", "2018-01-20"
ALLOWED_NETWORK = "203.0.113.0/24"
INSIDE, OUTSIDE = "203.0.113.7", "198.51.100.9"
ALICE = [
    {
        "Effect": "Allow",
        "Action": ["ram:ListUsers", "iot:QueryProductList"],
        "Resource": "*",
        "Condition": {"IpAddress": {"acs:SourceIp": ALLOWED_NETWORK}},
    },
    {
        "Effect": "Allow",
        "Action": ["ram:ListGroups", "iot:QueryProduct"],
        "Resource": "*",
        "Condition": {"Bool": {"acs:SecureTransport": "true"}},
    },
]
VERIFIER = [{"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}]
UVICORN_TRUST = {"FORWARDED_ALLOW_IPS": "*"}
"""uvicorn's own variable for the proxies it believes: a front door must not heed it."""
DENIED = (403, "NoPermission")
ALLOWED = (200, "")
_NUMBERS = count(1)


@dataclass(frozen=True)
class Door:
    """A front door, Alice's key, and the call her source address decides."""

    endpoint: str
    alice: Credentials
    version: str = RAM
    action: str = "ListUsers"
    """Allowed from 203.0.113.0/24."""
    secure_action: str = "ListGroups"
    """Allowed over TLS."""

    def call(self, headers: dict[str, str], *, secure_action: bool = False) -> tuple[int, str]:
        """(HTTP status, error code) of Alice's call with ``headers`` added."""
        action = self.secure_action if secure_action else self.action
        secret = self.alice.access_key_secret.reveal()
        client = AcsClient(
            credential=AccessKeyCredential(self.alice.access_key_id, secret),
            region_id="cn-shanghai",
        )
        request = CommonRequest(domain=self.endpoint, version=self.version, action_name=action)
        request.set_method("POST")
        request.set_protocol_type("http")
        if self.version == IOT:
            request.add_query_param("CurrentPage", "1")
            request.add_query_param("PageSize", "10")
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            json.loads(client.do_action_with_exception(request))
        except ServerException as refused:
            return refused.get_http_status(), refused.get_error_code()
        finally:
            client.session.close()
        return ALLOWED


def _serve(tmp_path: Path, *flags: str) -> Iterator[Served]:
    env = {**serve_env(tmp_path), **UVICORN_TRUST}
    with ramsts_command(tmp_path, "serve", *flags, env=env) as served:
        yield served


def _door(served: Served) -> Door:
    assert served.root is not None
    return Door(served.endpoint, create_user(served.endpoint, served.root, "alice", ALICE))


@pytest.fixture(scope="module")
def ramsts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``ramsts serve --demo-products``, trusting no proxy: the default."""
    yield from _serve(tmp_path_factory.mktemp("serve"), "--demo-products")


@pytest.fixture(scope="module")
def behind_a_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Door]:
    """``ramsts serve --trusted-proxies 127.0.0.1``: the test client plays the proxy."""
    for served in _serve(tmp_path_factory.mktemp("proxied"), "--trusted-proxies", "127.0.0.1"):
        yield _door(served)


def _demo_iot(ramsts: Served, tmp_path: Path, *flags: str) -> Iterator[Door]:
    """``ramsts demo-iot FLAGS``, verifying through ``ramsts``."""
    assert ramsts.root is not None
    number = next(_NUMBERS)
    service = create_user(ramsts.endpoint, ramsts.root, f"iot-service-{number}", VERIFIER)
    alice = create_user(ramsts.endpoint, ramsts.root, f"iot-alice-{number}", ALICE)
    env = {"RAMSTS_SERVICE_SECRET": service.access_key_secret.reveal(), **UVICORN_TRUST}
    arguments = ["--ramsts", f"http://{ramsts.endpoint}", "--id", service.access_key_id, *flags]
    with ramsts_command(tmp_path, "demo-iot", *arguments, env=env) as served:
        yield Door(served.endpoint, alice, IOT, "QueryProductList", "QueryProduct")


@pytest.fixture(scope="module")
def serve_door(ramsts: Served) -> Door:
    return _door(ramsts)


@pytest.fixture
def front_door(
    request: pytest.FixtureRequest,
    ramsts: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Door]:
    """Each front door, trusting no proxy."""
    name = request.param
    for variable, value in UVICORN_TRUST.items():
        monkeypatch.setenv(variable, value)
    if name == "serve":
        yield request.getfixturevalue("serve_door")
    elif name == "demo-iot":
        yield from _demo_iot(ramsts, tmp_path)
    elif name == "ramsts.testing":
        with ramsts_server() as server:
            key = server.create_user("alice", statements=ALICE)
            alice = Credentials(key.access_key_id, Secret(key.access_key_secret))
            yield Door(server.endpoint, alice)
    else:
        with in_process_server() as (endpoint, root, _):
            yield Door(endpoint, create_user(endpoint, root, "alice", ALICE))


@pytest.mark.parametrize(
    "front_door", ["serve", "demo-iot", "ramsts.testing", "demo"], indirect=True
)
def test_x_forwarded_for_from_an_untrusted_peer_does_not_change_acs_source_ip(
    front_door: Door,
) -> None:
    assert front_door.call({}) == DENIED
    assert front_door.call({"X-Forwarded-For": INSIDE}) == DENIED
    assert front_door.call({"X-Forwarded-For": f"{INSIDE}, 127.0.0.1"}) == DENIED
    assert front_door.call({"X-Forwarded-Proto": "https"}, secure_action=True) == DENIED


def test_a_trusted_proxy_s_x_forwarded_for_is_the_source_ip(behind_a_proxy: Door) -> None:
    assert behind_a_proxy.call({"X-Forwarded-For": INSIDE}) == ALLOWED
    assert behind_a_proxy.call({"X-Forwarded-For": OUTSIDE}) == DENIED
    assert behind_a_proxy.call({}) == DENIED  # the proxy's own address


def test_the_right_most_address_that_is_not_a_trusted_proxy_is_the_client(
    behind_a_proxy: Door,
) -> None:
    # Proxies append the address they were reached from: what lies left of the right-most
    # untrusted entry is the client's own to write.
    assert behind_a_proxy.call({"X-Forwarded-For": f"{OUTSIDE}, {INSIDE}"}) == ALLOWED
    assert behind_a_proxy.call({"X-Forwarded-For": f"{INSIDE}, {OUTSIDE}"}) == DENIED
    assert behind_a_proxy.call({"X-Forwarded-For": f"{INSIDE}, 127.0.0.1"}) == ALLOWED
    assert behind_a_proxy.call({"X-Forwarded-For": f"{INSIDE}, unknown"}) == DENIED


def test_x_forwarded_proto_counts_only_from_a_trusted_proxy_and_only_when_all_say_https(
    behind_a_proxy: Door,
) -> None:
    assert behind_a_proxy.call({"X-Forwarded-Proto": "https"}, secure_action=True) == ALLOWED
    assert behind_a_proxy.call({}, secure_action=True) == DENIED
    assert behind_a_proxy.call({"X-Forwarded-Proto": "http"}, secure_action=True) == DENIED
    # A proxy that appends its own hop's scheme to one the client sent:
    assert behind_a_proxy.call({"X-Forwarded-Proto": "https, http"}, secure_action=True) == DENIED


def test_demo_iot_believes_the_proxies_it_is_told_to(ramsts: Served, tmp_path: Path) -> None:
    for door in _demo_iot(ramsts, tmp_path, "--trusted-proxies", "127.0.0.0/8"):
        assert door.call({"X-Forwarded-For": INSIDE}) == ALLOWED
        assert door.call({"X-Forwarded-For": OUTSIDE}) == DENIED


def test_trusted_proxies_may_come_from_the_environment(tmp_path: Path) -> None:
    env = {**serve_env(tmp_path), "RAMSTS_TRUSTED_PROXIES": "10.0.0.1, 127.0.0.1/32"}
    with ramsts_command(tmp_path, "serve", env=env) as served:
        door = _door(served)
        assert door.call({"X-Forwarded-For": INSIDE}) == ALLOWED


def test_a_dual_stack_listener_sees_ipv4_clients_by_their_ipv4_address(tmp_path: Path) -> None:
    """Workers listening on ``::`` accept IPv4 too, and see an IPv4 client's peer as
    ``::ffff:127.0.0.1``; a policy written for 127.0.0.1 must still see 127.0.0.1 (here a Deny
    that the IPv6 spelling would escape)."""
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Action": "ram:ListUsers", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "ram:ListUsers",
            "Resource": "*",
            "Condition": {"IpAddress": {"acs:SourceIp": "127.0.0.1"}},
        },
    ]
    flags = ("--host", "::", "--workers", "2")
    with ramsts_command(tmp_path, "serve", *flags, env=serve_env(tmp_path)) as served:
        assert served.root is not None
        door = Door(served.endpoint, create_user(served.endpoint, served.root, "bob", statements))
        assert door.call({}) == DENIED


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("localhost", "must be an IP address or a CIDR block, not 'localhost'"),
        ("10.0.0.1/8", "'10.0.0.1/8' has bits set past its prefix length: write 10.0.0.0/8"),
        ("*", "not '*'"),
    ],
)
def test_a_trusted_proxy_that_is_not_an_address_or_a_network_stops_the_server_at_start(
    value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--trusted-proxies", value]) == 3
    error = capsys.readouterr().err
    assert error.startswith("InvalidParameter.TrustedProxies: ")
    assert message in error
