"""AssumeRole on the wire (api.md §8.1), and the answer every AssumeRole* shares: the session's
``Credentials`` and ``AssumedRoleUser`` (and its ``SourceIdentity``, when it carries one)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ramsts.errors import InvalidParameter
from ramsts.parameters import Parameters
from ramsts.ram.rendering import Body
from ramsts.sts.assume_role import (
    EXTERNAL_ID,
    ROLE_ARN,
    ROLE_SESSION_NAME,
    AssumeRole,
    AssumeRoleRequest,
    IssuedSession,
    checked_source_identity,
    quoted,
)
from ramsts.sts.wire.declaration import SignedAction


def assume_role_request(read: Parameters) -> AssumeRoleRequest:
    role_arn = read.required("RoleArn")
    arn = ROLE_ARN.fullmatch(role_arn)
    if arn is None:
        raise InvalidParameter("RoleArn", f"The parameter RoleArn is wrongly formed: {role_arn!r}.")
    return AssumeRoleRequest(
        account_id=arn.group(1),
        role_name=arn.group(2),
        role_arn=role_arn,
        session_name=session_name(read, quoted),
        # Its bounds depend on the role (MaxSessionDuration, chaining): checked once it is
        # known, so that the message states the role's real range.
        duration_seconds=duration_seconds(read),
        policy_text=read.raw("Policy"),
        external_id=_external_id(read),
        source_identity=checked_source_identity(read.raw("SourceIdentity")),
    )


def session_name(read: Parameters, quote: Callable[[str], str]) -> str:
    """``RoleSessionName``, quoted in a refusal as the action's other messages quote."""
    name = read.required("RoleSessionName")
    if ROLE_SESSION_NAME.fullmatch(name) is None:
        raise InvalidParameter(
            "RoleSessionName",
            "The parameter RoleSessionName is wrongly formed: it must be 2 to 64 letters,"
            f" digits, '.', '@', '-' or '_'; got {quote(name)}.",
        )
    return name


def duration_seconds(read: Parameters) -> int | None:
    return read.integer("DurationSeconds", minimum=-(2**31), maximum=2**31 - 1)


def _external_id(read: Parameters) -> str | None:
    external_id = read.raw("ExternalId")
    if external_id is not None and EXTERNAL_ID.fullmatch(external_id) is None:
        raise InvalidParameter(
            "ExternalId",
            "The parameter ExternalId is wrongly formed: it must be 2 to 1224 letters,"
            f" digits or any of _+=,.@:/-; got {quoted(external_id)}.",
        )
    return external_id


def render_session(issued: IssuedSession) -> Body:
    claims = issued.claims
    body: Body = {
        "Credentials": {
            "AccessKeyId": claims.access_key_id,
            "AccessKeySecret": claims.access_key_secret.reveal(),
            "SecurityToken": issued.security_token,
            "Expiration": utc_timestamp(claims.expires_at),
        },
        "AssumedRoleUser": {
            "Arn": claims.assumed_role_arn,
            "AssumedRoleId": claims.assumed_role_id,
        },
    }
    if claims.source_identity is not None:
        body["SourceIdentity"] = claims.source_identity
    return body


def utc_timestamp(instant: datetime) -> str:
    """``2025-03-01T13:00:00Z``: the API's form of a whole-second UTC instant."""
    return instant.astimezone(UTC).isoformat(timespec="seconds").removesuffix("+00:00") + "Z"


def assume_role_action(assume_role: AssumeRole) -> SignedAction[AssumeRoleRequest, IssuedSession]:
    return SignedAction(
        "AssumeRole", assume_role_request, assume_role.assume, render_session, cached=True
    )
