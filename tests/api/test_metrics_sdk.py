"""``GET /metrics`` (``--metrics``): the requests the SDKs made, counted by product, action and
code, with their latency; the caches' hits and misses; the nonce batches. Labels never carry an
account, a user or a key, and an action the server does not know is counted as ``unknown``.
Without ``--metrics`` the path does not exist."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException

from ramsts.signing import sign_rpc_v1
from ramsts.testing import AccessKey, RamstsServer, ramsts_server
from ramsts.types import Secret

pytestmark = pytest.mark.sdk


def get(server: RamstsServer, target: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read().decode()
    finally:
        connection.close()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` whose labels include ``labels`` (0 if none)."""
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match is None or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(match.group(3))
    return total


@pytest.fixture(scope="module")
def server() -> Iterator[RamstsServer]:
    with ramsts_server(metrics=True) as running:
        yield running


def test_a_scrape_counts_the_requests_by_product_action_and_code(server: RamstsServer) -> None:
    sts = server.sts_client()
    for _ in range(3):
        sts.get_caller_identity()
    wrong = AccessKey(server.root.access_key_id, "not-the-secret")
    with pytest.raises(ClientException):
        server.sts_client(wrong).get_caller_identity()
    unknown = sign_rpc_v1(
        "GET",
        {"Action": "NoSuchAction", "Version": "2015-04-01"},
        server.root.access_key_id,
        Secret(server.root.access_key_secret),
    )
    assert get(server, f"/?{unknown.query}")[0] == 404

    status, content_type, text = get(server, "/metrics")
    assert (status, content_type.split(";")[0]) == (200, "text/plain")
    ok = {"product": "Sts", "action": "GetCallerIdentity"}
    assert sample(text, "ramsts_requests_total", **ok, code="OK") == 3
    assert sample(text, "ramsts_requests_total", **ok, code="SignatureDoesNotMatch") == 1
    assert (
        sample(text, "ramsts_requests_total", action="unknown", code="InvalidAction.NotFound") == 1
    )
    assert sample(text, "ramsts_request_duration_seconds_count", **ok) == 4
    assert sample(text, "ramsts_request_duration_seconds_bucket", **ok, le="+Inf") == 4
    assert sample(text, "ramsts_cache_hits_total", cache="access_keys") >= 2
    assert sample(text, "ramsts_cache_misses_total", cache="access_keys") >= 1
    assert sample(text, "ramsts_nonce_batch_size_count") >= 3  # a bad signature spends none
    assert "ramsts_nonce_queue_depth" in text


def test_no_account_user_or_key_is_a_label(server: RamstsServer) -> None:
    alice = server.create_user("alice-metrics")
    server.sts_client(alice).get_caller_identity()
    text = get(server, "/metrics")[2]
    for private in (server.account_id, alice.access_key_id, "alice-metrics", "NoSuchAction"):
        assert private not in text


def test_without_metrics_the_path_is_not_found() -> None:
    with ramsts_server() as plain:
        status, _, body = get(plain, "/metrics")
    assert status == 404
    assert "InvalidAction.NotFound" in body
