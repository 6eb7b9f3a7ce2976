"""Migration 0009 (audit events stored as facts): an event stored under 0008, its whole
document in ``document``, reads the same afterwards; going back to 0008 gives the events stored
since their whole documents, as 0008 reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from ramsts.store import open_store
from ramsts.store.engine import normalise_url
from ramsts.store.migrate import _config
from trail_calls import call_event

ACCOUNT = "1234567890123456"
DOCUMENT_0008 = {
    "eventId": "E-0008",
    "eventVersion": 1,
    "eventTime": "2026-12-03T14:00:00Z",
    "eventName": "CreateUser",
    "acsRegion": "cn-hangzhou",
    "userIdentity": {"type": "root-account", "accountId": ACCOUNT},
    "requestParameters": {"UserName": "alice"},
}


def migrate_to(db_url: str, revision: str, *, down: bool = False) -> None:
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.begin() as connection:
            move = command.downgrade if down else command.upgrade
            move(_config(connection), revision)
    finally:
        engine.dispose()


def insert_0008_event(db_url: str) -> None:
    engine = sa.create_engine(normalise_url(db_url))
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO audit_events (event_id, account_id, event_time, event_name,"
                    " event_source, service_name, event_type, event_rw, api_version, user_name,"
                    " access_key_id, error_code, request_id, document) VALUES ('E-0008', :a,"
                    " :t, 'CreateUser', 'ram.aliyuncs.com', 'Ram', 'ApiCall', 'Write',"
                    " '2015-05-01', NULL, 'LTAI5tRoot', NULL, 'R-0008', :d)"
                ),
                {
                    "a": ACCOUNT,
                    "t": datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
                    if connection.dialect.name == "postgresql"
                    else "2026-12-03 14:00:00.000000",
                    "d": json.dumps(DOCUMENT_0008),
                },
            )
    finally:
        engine.dispose()


def documents(db_url: str) -> dict[str, dict[str, object]]:
    store = open_store(db_url)
    try:
        with store.read() as tx:
            return {e.event_id: dict(e.document) for e in tx.audit_events.after(0, limit=100)}
    finally:
        store.dispose()


def test_an_event_stored_under_0008_reads_the_same_after_0009(empty_db_url: str) -> None:
    migrate_to(empty_db_url, "0008")
    insert_0008_event(empty_db_url)
    migrate_to(empty_db_url, "head")

    assert documents(empty_db_url) == {"E-0008": DOCUMENT_0008}


def test_going_back_to_0008_gives_every_event_its_whole_document(empty_db_url: str) -> None:
    migrate_to(empty_db_url, "head")
    event = call_event(
        None,
        "GetUser",
        at=datetime(2026, 12, 4, 2, 0, tzinfo=UTC),
        parameters={"UserName": "alice"},
        error_code="SignatureDoesNotMatch",
        access_key_id="LTAI5tRoot",
        account_id=ACCOUNT,
    )
    store = open_store(empty_db_url)
    with store.transaction() as tx:
        tx.audit_events.add([event])
    store.dispose()

    migrate_to(empty_db_url, "0008", down=True)

    engine = sa.create_engine(normalise_url(empty_db_url))
    try:
        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT document FROM audit_events")).scalar_one()
    finally:
        engine.dispose()
    assert json.loads(stored) == event.document
