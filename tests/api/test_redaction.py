"""What the API logs of a request's parameters: every credential as ``***``, also inside the
parameters that carry a guarded client's request (VerifyRequest's Query, Headers, Body), and in
uvicorn's access-log lines."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from ramsts.api.redaction import ACCESS_LOG_REDACTION
from ramsts.parameters import SECRET_PARAMETERS
from ramsts.redaction import REDACTED, redact_params
from ramsts.signing.encoding import decode_form, percent_encode

SECRET = "S3cr3t+/=value"


@given(st.sampled_from(sorted(SECRET_PARAMETERS)), st.sampled_from([str, str.lower, str.upper]))
def test_a_secret_parameter_is_redacted_in_any_letter_case(
    name: str, case: Callable[[str], str]
) -> None:
    spelled = case(name)
    assert redact_params({spelled: SECRET, "UserName": "alice"}) == {
        spelled: REDACTED,
        "UserName": "alice",
    }


def test_a_carried_query_keeps_everything_but_its_credentials_even_escaped_names() -> None:
    query = (
        f"Action=QueryProduct&Sig%6Eature={percent_encode(SECRET)}"
        f"&SecurityToken={percent_encode(SECRET)}&signature={SECRET}&ProductKey=a1B"
    )
    redacted = redact_params({"Query": query})["Query"]
    assert SECRET not in redacted and percent_encode(SECRET) not in redacted
    assert decode_form(redacted) == {
        "Action": "QueryProduct",
        "Signature": REDACTED,
        "SecurityToken": REDACTED,
        "signature": REDACTED,
        "ProductKey": "a1B",
    }


def test_carried_headers_keep_everything_but_their_credentials() -> None:
    headers = [
        ["host", "iot"],
        ["Authorization", f"ACS3-HMAC-SHA256 Credential=LTAI5t,Signature={SECRET}"],
        ["X-Acs-Security-Token", SECRET],
        ["cookie", SECRET],
    ]
    redacted = json.loads(redact_params({"Headers": json.dumps(headers)})["Headers"])
    assert redacted == [
        ["host", "iot"],
        ["Authorization", REDACTED],
        ["X-Acs-Security-Token", REDACTED],
        ["cookie", REDACTED],
    ]


def test_carried_headers_of_another_shape_and_a_body_are_not_shown_at_all() -> None:
    for headers in ('{"Authorization": "x"}', "[[" * 1000, f'[["a", "b", "{SECRET}"]]'):
        assert redact_params({"Headers": headers}) == {"Headers": REDACTED}
    assert redact_params({"Body": "U2lnbmF0dXJlPXNlY3JldA=="}) == {"Body": REDACTED}


def test_an_access_log_line_keeps_the_request_but_not_its_credentials() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        (
            "127.0.0.1:5",
            "GET",
            f"/?Action=X&SecurityToken={SECRET}&Signature={percent_encode(SECRET)}",
            "1.1",
            200,
        ),
        None,
    )
    assert ACCESS_LOG_REDACTION.filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5 - "GET /?Action=X&SecurityToken=***&Signature=*** HTTP/1.1" 200'
    )
