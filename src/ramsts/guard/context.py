"""Condition keys of a guarded request (policy-language §3, decision 8).

Authentication fills the request's own keys (``acs:SourceIp``, ``acs:SecureTransport``,
``acs:CurrentTime``, ``acs:UserAgent``, ``acs:AccessId``, ``acs:MFAPresent``); the guard adds the
principal's (``acs:PrincipalARN``, ``acs:PrincipalType``, ``acs:PrincipalAccount``, ramsts
additions). A service may add its own keys (``iot:…``) and the target's tags
(``acs:ResourceTag/<key>``), but no other ``acs:`` key: those describe the request and the caller,
which the verifier knows better than the service, so a service cannot overrule them.
"""

from __future__ import annotations

from collections.abc import Mapping

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter

RESOURCE_TAG_PREFIX = "acs:resourcetag/"


def principal_context(caller: Caller) -> dict[str, str]:
    return {
        "acs:PrincipalARN": caller.arn,
        "acs:PrincipalType": caller.identity_type,
        "acs:PrincipalAccount": caller.account_id,
    }


def checked_service_context(extra: Mapping[str, object] | None) -> dict[str, str]:
    """The service's own condition keys, refused when one would overrule a global key."""
    checked: dict[str, str] = {}
    for key, value in (extra or {}).items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise InvalidParameter(
                "Context", "Each context key and value must be a non-empty string key and a string."
            )
        folded = key.lower()
        if folded.startswith("acs:") and not folded.startswith(RESOURCE_TAG_PREFIX):
            raise InvalidParameter(
                "Context",
                f"The context key {key!r} is filled in from the request and cannot be given;"
                " a service may give its own keys and acs:ResourceTag/<key>.",
            )
        checked[key] = value
    return checked


def request_context(caller: Caller, extra: Mapping[str, str]) -> dict[str, str]:
    """Everything the authorizer adds to the caller's own request keys."""
    return {**checked_service_context(extra), **principal_context(caller)}
