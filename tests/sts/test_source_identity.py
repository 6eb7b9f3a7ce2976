"""SourceIdentity through a role chain (AssumeRole, api.md §8.1): set at the start of the chain,
it persists in every session assumed from it and cannot be changed; the ``sts:SourceIdentity``
condition key of a chained AssumeRole carries it, on both halves of the decision."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sts_support import Directory, Sts, allow, trust, user_caller

from ramsts.caller import Caller
from ramsts.errors import NoPermission
from ramsts.parameters import Parameters
from ramsts.sts.assume_role import (
    RESERVED_SOURCE_IDENTITY_PREFIXES,
    SOURCE_IDENTITY,
    AssumeRoleRequest,
)
from ramsts.sts.wire.sessions import assume_role_request


def role_arn(directory: Directory, name: str) -> str:
    return f"acs:ram::{directory.acme.account_id}:role/{name}"


@pytest.fixture
def chain(sts: Sts, directory: Directory) -> Directory:
    """reader may assume any role; next and last trust acme's users and role sessions."""
    acme = directory.acme
    sts.grant("Role", directory.reader.role_id, acme.account_id, allow("sts:AssumeRole"))
    next_role = sts.role(acme, "next", trust(acme.root_arn))
    sts.grant("Role", next_role.role_id, acme.account_id, allow("sts:AssumeRole"))
    sts.role(acme, "last", trust(acme.root_arn))
    return directory


def session(sts: Sts, caller: Caller, arn: str, **params: str) -> tuple[dict[str, Any], Caller]:
    """AssumeRole's answer, and the caller its credentials authenticate as."""
    body = sts.assume(caller, RoleArn=arn, RoleSessionName=params.pop("name", "s1"), **params)
    return body, sts.use(body["Credentials"])


def test_the_source_identity_persists_through_a_chain(sts: Sts, chain: Directory) -> None:
    _, reader = session(
        sts, user_caller(chain.alice), role_arn(chain, "reader"), SourceIdentity="alice"
    )
    body, next_session = session(sts, reader, role_arn(chain, "next"))
    assert body["SourceIdentity"] == "alice"
    assert next_session.source_identity == "alice"
    body, last = session(sts, next_session, role_arn(chain, "last"), SourceIdentity="alice")
    assert body["SourceIdentity"] == "alice"
    assert last.source_identity == "alice"


def test_a_chained_session_may_not_change_its_source_identity(sts: Sts, chain: Directory) -> None:
    _, reader = session(
        sts, user_caller(chain.alice), role_arn(chain, "reader"), SourceIdentity="alice"
    )
    error = sts.refusal(
        lambda: sts.assume(
            reader, RoleArn=role_arn(chain, "next"), RoleSessionName="s1", SourceIdentity="mallory"
        )
    )
    assert (error.code, error.http_status) == ("NoPermission", 403)
    assert '"alice"' in error.message and '"mallory"' in error.message
    # Letter case is part of the value.
    assert (
        sts.refusal(
            lambda: sts.assume(
                reader,
                RoleArn=role_arn(chain, "next"),
                RoleSessionName="s1",
                SourceIdentity="Alice",
            )
        ).code
        == "NoPermission"
    )


def test_an_empty_source_identity_counts_as_absent_and_keeps_the_sessions(
    sts: Sts, chain: Directory
) -> None:
    _, reader = session(
        sts, user_caller(chain.alice), role_arn(chain, "reader"), SourceIdentity="alice"
    )
    body, next_session = session(sts, reader, role_arn(chain, "next"), SourceIdentity="")
    assert body["SourceIdentity"] == "alice"
    assert next_session.source_identity == "alice"


def test_a_session_without_a_source_identity_may_set_one(sts: Sts, chain: Directory) -> None:
    _, reader = session(sts, user_caller(chain.alice), role_arn(chain, "reader"))
    assert reader.source_identity is None
    body, next_session = session(sts, reader, role_arn(chain, "next"), SourceIdentity="bob")
    assert body["SourceIdentity"] == "bob"
    _, last = session(sts, next_session, role_arn(chain, "last"))
    assert last.source_identity == "bob"


def test_the_trust_policy_sees_the_inherited_source_identity(sts: Sts, chain: Directory) -> None:
    acme = chain.acme
    condition = {"StringEquals": {"sts:SourceIdentity": "alice"}}
    sts.role(acme, "guarded", trust(acme.root_arn, condition=condition))
    _, with_identity = session(
        sts, user_caller(chain.alice), role_arn(chain, "reader"), SourceIdentity="alice"
    )
    _, without = session(sts, user_caller(chain.alice), role_arn(chain, "reader"))

    body, _ = session(sts, with_identity, role_arn(chain, "guarded"))
    assert body["SourceIdentity"] == "alice"
    error = sts.refusal(
        lambda: sts.assume(without, RoleArn=role_arn(chain, "guarded"), RoleSessionName="s1")
    )
    assert error.code == "NoPermission"


def test_the_callers_policy_sees_the_inherited_source_identity(
    sts: Sts, directory: Directory
) -> None:
    acme = directory.acme
    only_for_alice = allow("sts:AssumeRole")
    only_for_alice["Condition"] = {"StringEquals": {"sts:SourceIdentity": "alice"}}
    sts.grant("Role", directory.reader.role_id, acme.account_id, only_for_alice)
    sts.role(acme, "next", trust(acme.root_arn))
    _, with_identity = session(
        sts, user_caller(directory.alice), role_arn(directory, "reader"), SourceIdentity="alice"
    )
    _, without = session(sts, user_caller(directory.alice), role_arn(directory, "reader"))

    assert session(sts, with_identity, role_arn(directory, "next"))[1].source_identity == "alice"
    error = sts.refusal(
        lambda: sts.assume(without, RoleArn=role_arn(directory, "next"), RoleSessionName="s1")
    )
    assert error.code == "NoPermission"


# -- the rule, for any value -------------------------------------------------------------------

_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-"
source_identities = st.text(_ALPHABET, min_size=2, max_size=64).filter(
    lambda value: not value.lower().startswith(RESERVED_SOURCE_IDENTITY_PREFIXES)
)


def session_caller(source_identity: str | None) -> Caller:
    return Caller(
        account_id="1234567890123456",
        identity_type="AssumedRoleUser",
        arn="acs:ram::1234567890123456:assumed-role/reader/s",
        principal_id="3001:s",
        access_key_id="STS.session",
        display_name="reader/s",
        role_id="3001",
        role_name="reader",
        session_name="s",
        source_identity=source_identity,
    )


def request(source_identity: str | None) -> AssumeRoleRequest:
    params = {"RoleArn": "acs:ram::1234567890123456:role/next", "RoleSessionName": "s2"}
    if source_identity is not None:
        params["SourceIdentity"] = source_identity
    return assume_role_request(Parameters(params, missing_suffix=True))


@given(inherited=source_identities, requested=st.none() | source_identities)
def test_a_chained_request_keeps_the_sessions_source_identity_or_is_refused(
    inherited: str, requested: str | None
) -> None:
    assert SOURCE_IDENTITY.fullmatch(inherited)
    if requested is None or requested == inherited:
        chained = request(requested).in_session_of(session_caller(inherited))
        assert chained.source_identity == inherited
        assert chained.condition_keys()["sts:SourceIdentity"] == inherited
    else:
        with pytest.raises(NoPermission):
            request(requested).in_session_of(session_caller(inherited))


@given(requested=st.none() | source_identities)
def test_without_an_inherited_source_identity_the_request_decides(requested: str | None) -> None:
    for caller in (session_caller(None), user_caller_without_identity()):
        assert request(requested).in_session_of(caller).source_identity == requested


def user_caller_without_identity() -> Caller:
    return Caller(
        account_id="1234567890123456",
        identity_type="RAMUser",
        arn="acs:ram::1234567890123456:user/alice",
        principal_id="2001",
        access_key_id="LTAI5tUserKeyOfTheTestAcct",
        display_name="alice",
        user_id="2001",
        user_name="alice",
    )
