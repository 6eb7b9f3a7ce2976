"""The API and the audit trail: each call is queued for the trail as it ends, and when the
trail's queue is full the API refuses calls with ServiceUnavailable (503) instead of serving
calls it could not record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from test_rpc import v1

from audit_trail import Outage, trail_documents
from ramsts.audit import AuditRecorder
from ramsts.store import Store


def test_answered_and_refused_calls_are_on_the_trail(
    services: Any, client_of: Callable[[Any], Any], store: Store, db_url: str
) -> None:
    recorder = AuditRecorder(store, flush_interval=0.01)
    client = client_of(replace(services, audit=recorder))
    assert v1(client, "WhoAmI", "2015-04-01", Echo="hi").status_code == 200
    assert v1(client, "GetPolicy", "2015-05-01", PolicyName="p").status_code == 403
    assert v1(client, "Explode", "2015-05-01").status_code == 500
    assert recorder.flush()
    recorder.close()

    documents = trail_documents(db_url)
    assert [(d["eventName"], d.get("errorCode")) for d in documents] == [
        ("WhoAmI", None),
        ("GetPolicy", "NoPermission"),
        ("Explode", "InternalError"),
    ]
    assert documents[0]["responseElements"]["Echo"] == "hi"
    assert documents[0]["sourceIpAddress"] == "192.0.2.7"
    assert "hunter2" not in str(documents[2])  # an unexpected error's detail stays in the log


def test_a_full_audit_queue_turns_calls_away_with_a_503_until_it_drains(
    services: Any,
    client_of: Callable[[Any], Any],
    store: Store,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outage = Outage(store, monkeypatch)
    recorder = AuditRecorder(store, capacity=2, flush_interval=0.01, retry_interval=0.01)
    client = client_of(replace(services, audit=recorder))
    outage.down = True
    assert [v1(client, "WhoAmI", "2015-04-01").status_code for _ in range(2)] == [200, 200]

    refused = v1(client, "WhoAmI", "2015-04-01")
    assert refused.status_code == 503
    assert refused.json()["Code"] == "ServiceUnavailable"

    outage.down = False
    assert recorder.flush()
    assert v1(client, "WhoAmI", "2015-04-01").status_code == 200
    recorder.close()
    assert len(trail_documents(db_url)) == 3
