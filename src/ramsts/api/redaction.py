"""What may be logged about a request: its parameters with every credential replaced by ``***``.

Besides secrets proper (AccessKeySecret, passwords), the ``Signature`` and bearer credentials
(``SecurityToken``, ``OIDCToken``, ``SAMLAssertion``) are redacted: each is enough to act as the
caller for a while.
"""

from __future__ import annotations

from collections.abc import Mapping

REDACTED = "***"

SECRET_PARAMETERS = frozenset(
    name.lower()
    for name in (
        "AccessKeySecret",
        "Password",
        "NewPassword",
        "OldPassword",
        "Signature",
        "SecurityToken",
        "OIDCToken",
        "SAMLAssertion",
        "AuthenticationCode1",
        "AuthenticationCode2",
    )
)

SECRET_HEADERS = frozenset(("authorization", "x-acs-security-token", "cookie"))


def redact_params(params: Mapping[str, str]) -> dict[str, str]:
    return {
        name: REDACTED if name.lower() in SECRET_PARAMETERS else value
        for name, value in params.items()
    }


def redact_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
    ]
