"""KeyRing: a minted SecurityToken opens to its claims, and only an unchanged, unexpired token
of a key the ring holds opens at all."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.errors import AuthenticationError
from ramsts.tokens import KeyRing, SessionClaims, TokenKey, UnknownTokenKeyError, keyring
from ramsts.types import Secret

T0 = datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
KEY_1 = TokenKey(key_id="k1", material=bytes(range(32)), created_at=T0)
KEY_2 = TokenKey(key_id="k2", material=bytes(range(32, 64)), created_at=T0 + timedelta(days=30))
SECRET = "Hx3kQ9mZp2Lw8Rt5Vb7Nc4Ds6Fg1Jy0Ua2Ei9Ok3Ml5Pq8"
POLICY = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"*"}]}'


def make_claims(**changes: object) -> SessionClaims:
    claims = SessionClaims(
        account_id="1234567890123456",
        role_id="300800123456789012",
        role_name="oss-reader",
        session_name="alice",
        access_key_id="STS.NUgYrLnoC37mZZCNnAbez2bsC",
        access_key_secret=Secret(SECRET),
        issued_at=T0,
        expires_at=T0 + timedelta(hours=1),
        principal_arn="acs:ram::1234567890123456:user/alice",
        session_policy=POLICY,
        source_identity="alice@example.com",
    )
    return replace(claims, **changes)  # type: ignore[arg-type]


RING = KeyRing([KEY_1], current="k1")
TOKEN = RING.mint(make_claims())


def open_code(ring: KeyRing, token: str, now: datetime = T0) -> str:
    with pytest.raises(AuthenticationError) as caught:
        ring.open(token, now=now)
    assert caught.value.http_status == 400
    return caught.value.code


def test_token_opens_to_the_claims_it_was_minted_with() -> None:
    assert RING.open(TOKEN, now=T0 + timedelta(minutes=5)) == make_claims()


@pytest.mark.parametrize(
    "changes",
    [
        {"session_policy": None, "source_identity": None},
        {"chained": True, "principal_arn": "acs:ram::1234567890123456:assumed-role/admin/bob"},
        {"mfa_present": True},
        {"session_name": "名前-ü@example.com", "role_name": "ロール"},
        {"source_identity": ""},
        {"session_policy": POLICY[:-2] + ("," + POLICY[28:-2]) * 30 + "]}"},
        {"expires_at": T0 + timedelta(hours=12)},
    ],
)
def test_every_kind_of_claim_survives_the_round_trip(changes: dict[str, object]) -> None:
    claims = make_claims(**changes)
    assert RING.open(RING.mint(claims), now=T0) == claims


def test_a_large_session_policy_is_carried_compactly() -> None:
    large = POLICY[:-2] + ("," + POLICY[28:-2]) * 30 + "]}"
    token = RING.mint(make_claims(session_policy=large))
    assert len(token) < len(large) / 2


def test_token_is_compact_url_safe_and_prefixed() -> None:
    assert TOKEN.startswith("CAIS")
    assert set(TOKEN) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(TOKEN) < 700


def test_the_secret_and_the_claims_are_unreadable_in_the_token() -> None:
    raw = base64.urlsafe_b64decode(TOKEN[4:])
    for visible in (SECRET, "alice", "oss-reader", "1234567890123456", "STS.NUgY", "Allow"):
        assert visible.encode() not in raw
        assert visible not in TOKEN


def test_minting_the_same_claims_twice_gives_different_tokens() -> None:
    assert RING.mint(make_claims()) != RING.mint(make_claims())


@given(st.data())
def test_any_changed_character_is_malformed(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(TOKEN) - 1), label="position")
    replacement = data.draw(
        st.characters(codec="utf-8").filter(lambda c: c != TOKEN[position]), label="replacement"
    )
    tampered = TOKEN[:position] + replacement + TOKEN[position + 1 :]
    assert open_code(RING, tampered) == "InvalidSecurityToken.Malformed"


@given(st.data())
def test_any_changed_byte_is_malformed(data: st.DataObject) -> None:
    raw = bytearray(base64.urlsafe_b64decode(TOKEN[4:]))
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="xor")
    tampered = "CAIS" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert open_code(RING, tampered) == "InvalidSecurityToken.Malformed"


@given(st.integers(0, len(TOKEN) - 1))
def test_truncated_token_is_malformed(length: int) -> None:
    assert open_code(RING, TOKEN[:length]) == "InvalidSecurityToken.Malformed"


@given(st.text(alphabet="ABCabc0123-_", min_size=1, max_size=8))
def test_extended_token_is_malformed(suffix: str) -> None:
    assert open_code(RING, TOKEN + suffix) == "InvalidSecurityToken.Malformed"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "CAIS",
        "CAIS" + "A" * 400,
        "caisABCD",
        TOKEN.replace("-", "+").replace("_", "/"),
        TOKEN + "=",
        " " + TOKEN,
        "CAIS" + "A" * 20_000,
        "CAIS\u00e9" + TOKEN[5:],
    ],
    # Named, not shown: TOKEN is made afresh in each process, and every xdist worker must
    # collect the same test ids.
    ids=[
        "empty",
        "prefix-only",
        "prefix-and-zeros",
        "lower-case-prefix",
        "standard-base64",
        "padded",
        "leading-space",
        "oversized",
        "non-ascii",
    ],
)
def test_garbage_is_malformed_never_an_internal_error(garbage: str) -> None:
    assert open_code(RING, garbage) == "InvalidSecurityToken.Malformed"


def test_a_ring_with_other_key_material_under_the_same_id_refuses_the_token() -> None:
    impostor = KeyRing([TokenKey(key_id="k1", material=bytes(32), created_at=T0)], current="k1")
    assert open_code(impostor, TOKEN) == "InvalidSecurityToken.Malformed"


def test_a_token_of_a_key_the_ring_does_not_hold_names_that_key() -> None:
    other = KeyRing([KEY_2], current="k2")
    with pytest.raises(UnknownTokenKeyError) as caught:
        other.open(TOKEN, now=T0)
    assert caught.value.code == "InvalidSecurityToken.Malformed"
    assert caught.value.key_id == "k1"


def test_token_expires_at_its_expiry_instant() -> None:
    expires = T0 + timedelta(hours=1)
    assert RING.open(TOKEN, now=expires - timedelta(seconds=1)).expires_at == expires
    assert open_code(RING, TOKEN, now=expires) == "InvalidSecurityToken.Expired"
    assert open_code(RING, TOKEN, now=expires + timedelta(days=1)) == "InvalidSecurityToken.Expired"


def test_expiry_uses_the_injected_clock_when_no_instant_is_given() -> None:
    now = [T0]
    ring = KeyRing([KEY_1], current="k1", clock=lambda: now[0])
    token = ring.mint(make_claims())
    assert ring.open(token).session_name == "alice"
    now[0] = T0 + timedelta(hours=2)
    with pytest.raises(AuthenticationError) as caught:
        ring.open(token)
    assert caught.value.code == "InvalidSecurityToken.Expired"


def test_a_ring_opens_more_tokens_than_it_remembers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring, "OPENED_TOKENS_KEPT", 2)
    ring = KeyRing([KEY_1], current="k1")
    tokens = {f"s{index}": ring.mint(make_claims(session_name=f"s{index}")) for index in range(5)}
    for _ in range(2):
        for name, token in tokens.items():
            assert ring.open(token, now=T0).session_name == name
    assert open_code(ring, tokens["s0"], now=T0 + timedelta(hours=1)) == (
        "InvalidSecurityToken.Expired"
    )


def test_a_tampered_expired_token_is_malformed_not_expired() -> None:
    tampered = TOKEN[:-3] + ("A" if TOKEN[-3] != "A" else "B") + TOKEN[-2:]
    later = T0 + timedelta(days=1)
    assert open_code(RING, tampered, now=later) == "InvalidSecurityToken.Malformed"


def test_rotation_mints_with_the_new_key_and_still_opens_old_tokens() -> None:
    rotated = RING.rotated(KEY_2)
    assert rotated.current.key_id == "k2"
    new_token = rotated.mint(make_claims(session_name="bob"))
    assert rotated.open(TOKEN, now=T0).session_name == "alice"
    assert rotated.open(new_token, now=T0).session_name == "bob"
    with pytest.raises(UnknownTokenKeyError):
        RING.open(new_token, now=T0)  # the old ring never learnt k2


def test_a_key_added_ahead_of_promotion_opens_but_does_not_mint() -> None:
    staged = RING.with_key(KEY_2)
    assert staged.current.key_id == "k1"
    promoted = staged.promoted("k2")
    assert staged.open(promoted.mint(make_claims()), now=T0) == make_claims()


def test_a_retired_key_no_longer_opens_its_tokens() -> None:
    retired = RING.rotated(KEY_2).without("k1")
    with pytest.raises(UnknownTokenKeyError):
        retired.open(TOKEN, now=T0)


def test_the_current_key_cannot_be_dropped() -> None:
    with pytest.raises(ValueError, match="rotate first"):
        RING.without("k1")


@pytest.mark.parametrize(
    ("keys", "current", "complaint"),
    [
        ([KEY_1], "k2", "not in the key ring"),
        ([KEY_1, KEY_1], "k1", "twice"),
        ([], "k1", "not in the key ring"),
    ],
)
def test_inconsistent_rings_are_refused(keys: list[TokenKey], current: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        KeyRing(keys, current=current)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"access_key_id": "LTAI5tAAAAAAAAAAAAAAAAAA"}, "STS"),
        ({"expires_at": T0}, "after issued_at"),
        ({"issued_at": T0.replace(tzinfo=None)}, "aware"),
        ({"issued_at": T0 + timedelta(microseconds=5)}, "whole seconds"),
        ({"session_name": "a\x00b"}, "NUL"),
    ],
)
def test_claims_no_token_may_carry_are_refused_at_minting(
    changes: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        RING.mint(make_claims(**changes))


def test_ring_repr_names_key_ids_but_no_material() -> None:
    shown = repr(RING.rotated(KEY_2))
    assert "k1" in shown and "k2" in shown
    assert repr(KEY_1.material) not in shown
    assert KEY_1.material.hex() not in shown
