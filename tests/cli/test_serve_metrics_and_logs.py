"""``ramsts serve --workers 2 --metrics --log-format json --throttle …``: one scrape of
``/metrics`` counts the requests every worker answered (prometheus-client's multiprocess mode,
in a directory the server empties at start); the workers, each counting its own calls, hold an
account to one quota through the database they share; and every log line is one JSON object,
the access lines with their RequestId, action, AccessKeyId, status and latency, no secret among
them."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest
from server_processes import ramsts_command

from local_servers import serve_env

CALLS = 20
"""Calls, each on a connection of its own: the kernel spreads them over both workers. Also the
hourly quota: every one is admitted (a worker never counts more calls than were made)."""
MERGED = 0.5
"""Seconds after which both workers have merged their counts (every 0.1 s) and know the sum."""


def caller_identity(endpoint: str, key_id: str, secret: str) -> dict[str, str]:
    request = GetCallerIdentityRequest()
    request.set_endpoint(endpoint)
    request.set_protocol_type("http")
    client = AcsClient(key_id, secret, "cn-hangzhou")  # a client, and a connection, per call
    try:
        return dict(json.loads(client.do_action_with_exception(request)))
    finally:
        client.session.close()


def scrape(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()


def test_one_scrape_sees_every_worker_and_each_log_line_is_json(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_1.db").write_bytes(b"left by an earlier run")
    env = {
        **serve_env(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "RAMSTS_LOG_LEVEL": "info",
    }
    flags = ("--workers", "2", "--metrics", "--log-format", "json")
    quota = ("--throttle", f"GetCallerIdentity={CALLS}/h")
    hour = int(time.time()) // 3600
    with ramsts_command(tmp_path, "serve", *flags, *quota, env=env) as served:
        assert served.root is not None
        key_id, secret = served.root.access_key_id, served.root.access_key_secret.reveal()
        for _ in range(CALLS):
            caller_identity(served.endpoint, key_id, secret)
        text = scrape(served.port)
        writers = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("*.db")}
        time.sleep(MERGED)
        refusals = []
        for _ in range(6):
            with pytest.raises(ServerException) as refused:
                caller_identity(served.endpoint, key_id, secret)
            refusals.append(refused.value.get_error_code())
    log_lines = next(tmp_path.glob("serve-*.log")).read_text().splitlines()
    if int(time.time()) // 3600 != hour:
        pytest.skip("the hour turned during the test, and with it the quota's window")

    ok = 'ramsts_requests_total{action="GetCallerIdentity",code="OK",product="Sts"}'
    assert f"{ok} {CALLS:.1f}" in text.splitlines()
    assert "1" not in writers and len(writers) == 2  # the stale file went; two workers wrote
    assert refusals == ["Throttling.User"] * 6

    entries = [json.loads(line) for line in log_lines if line.startswith("{")]
    assert {"uvicorn.error", "ramsts.api"} <= {entry["logger"] for entry in entries}
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    access = [entry for entry in entries if entry.get("action") == "GetCallerIdentity"]
    statuses = [entry["status"] for entry in access]
    assert statuses == [200] * CALLS + [400] * 6
    assert {(entry["product"], entry["AccessKeyId"]) for entry in access} == {("Sts", key_id)}
    assert all(len(entry["RequestId"]) == 36 and entry["latency_ms"] > 0 for entry in access)
    assert not [line for line in log_lines if secret in line and "AccessKeySecret:" not in line]
