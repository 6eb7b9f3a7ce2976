"""SessionClaims: the names a role session goes by, the AccessKey check, and a secret that never
prints."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.errors import AuthenticationError
from ramsts.tokens import KeyRing, SessionClaims, TokenKey
from ramsts.types import Secret

T0 = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)


def make_claims(secret: str = "S3cretValueThatMustNeverPrint0123456789abcd") -> SessionClaims:
    return SessionClaims(
        account_id="1234567890123456",
        role_id="300800123456789012",
        role_name="oss-reader",
        session_name="alice",
        access_key_id="STS.NUgYrLnoC37mZZCNnAbez2bsC",
        access_key_secret=Secret(secret),
        issued_at=T0,
        expires_at=T0 + timedelta(hours=1),
        principal_arn="acs:ram::1234567890123456:user/alice",
        source_identity="alice@example.com",
    )


def test_names_of_the_role_and_the_session() -> None:
    claims = make_claims()
    assert claims.role_arn == "acs:ram::1234567890123456:role/oss-reader"
    assert claims.assumed_role_arn == "acs:ram::1234567890123456:role/oss-reader/alice"
    assert claims.caller_arn == "acs:ram::1234567890123456:assumed-role/oss-reader/alice"
    assert claims.assumed_role_id == "300800123456789012:alice"


def test_the_matching_access_key_passes_and_another_is_refused() -> None:
    claims = make_claims()
    claims.check_access_key("STS.NUgYrLnoC37mZZCNnAbez2bsC")
    with pytest.raises(AuthenticationError) as caught:
        claims.check_access_key("STS.SomeOtherKeyId000000000000")
    assert caught.value.code == "InvalidSecurityToken.MismatchWithAccessKey"
    assert caught.value.http_status == 400


def test_the_session_acts_as_an_assumed_role_caller() -> None:
    caller = make_claims().caller({"acs:SourceIp": "10.0.0.1"})
    assert caller.identity_type == "AssumedRoleUser"
    assert caller.arn == "acs:ram::1234567890123456:assumed-role/oss-reader/alice"
    assert caller.principal_id == "300800123456789012:alice"
    assert caller.access_key_id == "STS.NUgYrLnoC37mZZCNnAbez2bsC"
    assert caller.source_identity == "alice@example.com"
    assert caller.expires_at_epoch == int((T0 + timedelta(hours=1)).timestamp())
    assert caller.context == {"acs:SourceIp": "10.0.0.1"}


# As long as a long-term AccessKeySecret (30 characters): a shorter one may be a word the text
# shows anyway (the field name ``source_identity`` holds "identity").
@given(
    st.text(
        alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
        min_size=30,
        max_size=30,
    )
)
def test_the_secret_never_shows_in_repr_or_str(secret: str) -> None:
    claims = make_claims(secret)
    ring = KeyRing([TokenKey("k1", bytes(32), T0)], "k1")
    opened = ring.open(ring.mint(claims), now=T0)
    for shown in (repr(claims), str(claims), repr(opened), f"{opened}"):
        assert secret not in shown
        assert "***" in shown


def test_claims_are_immutable() -> None:
    claims = make_claims()
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.session_name = "mallory"  # type: ignore[misc]


def test_opened_claims_are_immutable_too() -> None:
    ring = KeyRing([TokenKey("k1", bytes(32), T0)], "k1")
    opened = ring.open(ring.mint(make_claims()), now=T0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opened.role_name = "admin"  # type: ignore[misc]
    assert opened == make_claims()
