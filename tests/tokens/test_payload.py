"""The binary payload: any claims a token may carry decode to themselves, and anything else is
refused as a payload error (which the ring reports as a malformed token)."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.tokens import SessionClaims
from ramsts.tokens.payload import PayloadError, decode_claims, encode_claims
from ramsts.types import Secret

text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=80)
instants = st.integers(0, 4_000_000_000).map(lambda s: datetime.fromtimestamp(s, UTC))


@st.composite
def session_claims(draw: st.DrawFn) -> SessionClaims:
    issued = draw(instants)
    return SessionClaims(
        account_id=draw(text),
        role_id=draw(text),
        role_name=draw(text),
        session_name=draw(text),
        access_key_id="STS." + draw(st.text("ABCxyz019", min_size=25, max_size=25)),
        access_key_secret=Secret(draw(text)),
        issued_at=issued,
        expires_at=issued + timedelta(seconds=draw(st.integers(1, 43_200))),
        principal_arn=draw(text),
        session_policy=draw(st.none() | st.text(max_size=3000)),
        source_identity=draw(st.none() | text),
        chained=draw(st.booleans()),
        mfa_present=draw(st.booleans()),
    )


@given(session_claims(), st.integers(0, 64))
def test_decode_is_the_inverse_of_encode(claims: SessionClaims, framing: int) -> None:
    payload = encode_claims(claims, framing_bytes=framing)
    assert (framing + len(payload)) % 3 == 0
    assert decode_claims(payload) == claims


def test_a_repeated_large_session_policy_is_carried_deflated_every_time() -> None:
    """Deflating is remembered per policy; each payload still carries its own policy."""
    issued = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    policies = ['{"Statement":[' + ",".join([f'"{name}"'] * 200) + "]}" for name in "ab"]
    for policy in [*policies, *policies]:
        claims = SessionClaims(
            account_id="1234567890123456",
            role_id="300800123456789012",
            role_name="reader",
            session_name="s1",
            access_key_id="STS." + "A" * 25,
            access_key_secret=Secret("x" * 44),
            issued_at=issued,
            expires_at=issued + timedelta(hours=1),
            principal_arn="acs:ram::1234567890123456:user/alice",
            session_policy=policy,
        )
        payload = encode_claims(claims)
        assert len(payload) < len(policy)
        assert decode_claims(payload) == claims


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x00" * 5,
        struct.pack(">BBqqH", 0x80, 0, 0, 1, 0) + b"\x00" * 7,  # unknown flag
        struct.pack(">BBqqH", 0, 3, 0, 1, 0) + b"\x00" * 10,  # padding beyond 2
        struct.pack(">BBqqH", 0, 0, 0, 1, 500) + b"\x00" * 7,  # policy longer than the payload
        struct.pack(">BBqqH", 0, 0, 0, 1, 0) + b"a\x00b",  # too few text fields
        struct.pack(">BBqqH", 0, 0, 0, 1, 0) + b"\xff" + b"\x00" * 7,  # not UTF-8
        struct.pack(">BBqqH", 0x18, 0, 0, 1, 3) + b"\x00" * 7 + b"xyz",  # not deflate
        struct.pack(">BBqqH", 0, 0, 2**62, 1, 0) + b"\x00" * 7,  # time out of range
    ],
)
def test_payloads_not_made_by_the_encoder_are_refused(payload: bytes) -> None:
    with pytest.raises(PayloadError):
        decode_claims(payload)
