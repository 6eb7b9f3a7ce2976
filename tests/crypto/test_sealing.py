"""Sealing secrets at rest: round trips, tamper evidence, and binding to the storage context."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.crypto import MasterKey, UnsealError
from ramsts.errors import InternalError

MASTER = MasterKey(bytes(range(32)))


@given(st.binary(max_size=512), st.text(max_size=64))
def test_unseal_returns_what_was_sealed(plaintext: bytes, context: str) -> None:
    assert MASTER.unseal(MASTER.seal(plaintext, context), context) == plaintext


def test_text_is_sealed_as_utf8() -> None:
    assert MASTER.unseal(MASTER.seal("pässwörd", "c"), "c") == "pässwörd".encode()


def test_sealed_value_is_versioned_and_hides_the_plaintext() -> None:
    sealed = MASTER.seal("AccessKeySecretValue", "access-key:LTAI5tAAAA")
    assert sealed.startswith("s1.")
    assert "AccessKeySecretValue" not in sealed


def test_sealing_twice_gives_different_values() -> None:
    assert MASTER.seal(b"x", "c") != MASTER.seal(b"x", "c")


def test_sealed_value_does_not_open_in_another_context() -> None:
    sealed = MASTER.seal(b"secret of alice's key", "access-key:LTAI5tALICE")
    with pytest.raises(UnsealError):
        MASTER.unseal(sealed, "access-key:LTAI5tMALLORY")


def test_sealed_value_does_not_open_under_another_master_key() -> None:
    sealed = MASTER.seal(b"secret", "c")
    with pytest.raises(UnsealError):
        MasterKey(bytes(32)).unseal(sealed, "c")


# Sealed once: a fresh nonce per example would make the drawn data depend on outside state.
SEALED_SECRET = MASTER.seal(b"a stored secret", "ctx")


@given(st.data())
def test_any_changed_character_is_detected(data: st.DataObject) -> None:
    sealed = SEALED_SECRET
    position = data.draw(st.integers(0, len(sealed) - 1))
    replacement = data.draw(
        st.sampled_from("ABCabc019-_.=!").filter(lambda c: c != sealed[position])
    )
    tampered = sealed[:position] + replacement + sealed[position + 1 :]
    with pytest.raises(UnsealError):
        MASTER.unseal(tampered, "ctx")


@pytest.mark.parametrize("broken", ["", "s1.", "s1.AAAA", "s1.A", "s2." + "A" * 40, "s1.AA AA"])
def test_truncated_or_unknown_versions_are_refused(broken: str) -> None:
    with pytest.raises(UnsealError):
        MASTER.unseal(broken, "ctx")


def test_unseal_failure_is_a_generic_internal_error() -> None:
    with pytest.raises(InternalError) as caught:
        MASTER.unseal(MASTER.seal(b"top secret", "a"), "b")
    assert caught.value.http_status == 500
    assert caught.value.code == "InternalError"
    assert caught.value.message == InternalError.GENERIC_MESSAGE
    assert "top secret" not in str(caught.value)
