"""The console on the audit trail: a sign-in, refused or not, is a ConsoleSignin event (with
the name signed in as, never the password); a form that changes something is a
ConsoleOperation written with its change; a sign-out is recorded too."""

from __future__ import annotations

import json
from typing import Any

from console_site import ConsoleClient, ConsoleSite

from audit_trail import trail_documents


def events(console: ConsoleSite) -> list[dict[str, Any]]:
    audit = console.server.services.audit
    assert audit is not None
    assert audit.flush()
    return trail_documents(console.server.services.settings.db_url)


def test_sign_ins_refused_and_accepted_are_on_the_accounts_trail(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, "Not-The-Passw0rd!")
    client.sign_in(console.account_id, console.root_password)

    sign_ins = [e for e in events(console) if e["eventName"] == "ConsoleSignin"]
    assert [e.get("errorCode") is None for e in sign_ins] == [False, True]
    for event in sign_ins:
        assert event["eventType"] == "ConsoleSignin"
        assert event["eventSource"] == "signin.aliyun.com"
        assert event["userIdentity"]["accountId"] == console.account_id
        assert event["additionalEventData"]["loginAccount"] == console.account_id
        assert event["additionalEventData"]["MFAUsed"] == "false"
    text = json.dumps(events(console))
    assert console.root_password not in text
    assert "Not-The-Passw0rd!" not in text


def test_a_form_that_creates_a_user_is_a_console_operation(
    client: ConsoleClient, console: ConsoleSite
) -> None:
    client.sign_in(console.account_id, console.root_password)
    client.get("/users/new")
    password = "Audit-Console-Passw0rd!"
    client.post(
        "/users/new",
        {"UserName": "dora", "DisplayName": "Dora", "console_access": "1", "Password": password},
    )

    [operation] = [e for e in events(console) if e["eventType"] == "ConsoleOperation"]
    assert operation["eventName"].startswith("CreateUser")
    assert operation["userIdentity"]["type"] == "root-account"
    assert operation["requestParameters"]["UserName"] == "dora"
    assert operation["requestParameters"]["Password"] == "***"
    assert "csrf_token" not in operation["requestParameters"]
    assert operation["referencedResources"] == {"ACS::RAM::User": ["dora"]}
    assert password not in json.dumps(events(console))
