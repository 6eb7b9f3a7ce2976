"""The master key: where it comes from, how its file is guarded, and that it never prints."""

from __future__ import annotations

import base64
import os
import pickle
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ramsts.crypto import MASTER_KEY_ENV, MasterKey, MasterKeyError, load_master_key

RAW = bytes(range(32))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_creates_a_private_key_file_and_its_directory(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "master.key"
    key = load_master_key({}, key_file)
    assert _mode(key_file) == 0o600
    assert key_file.read_text().strip() == key.encoded()
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left behind


def test_later_starts_read_the_same_key(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    first = load_master_key({}, key_file)
    sealed = first.seal(b"secret", "ctx")
    second = load_master_key({}, key_file)
    assert second.unseal(sealed, "ctx") == b"secret"


def test_key_file_is_created_private_even_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        load_master_key({}, tmp_path / "master.key")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "master.key") == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(base64.b64encode(RAW).decode())
    key_file.chmod(mode)
    with pytest.raises(MasterKeyError, match="chmod 600") as caught:
        load_master_key({}, key_file)
    assert str(key_file) in str(caught.value)
    assert base64.b64encode(RAW).decode() not in str(caught.value)


def test_owner_only_key_file_of_400_is_accepted(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(base64.b64encode(RAW).decode() + "\n")
    key_file.chmod(0o400)
    assert load_master_key({}, key_file).encoded() == base64.urlsafe_b64encode(RAW).decode()


def test_key_file_with_garbage_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text("not a key at all\n")
    key_file.chmod(0o600)
    with pytest.raises(MasterKeyError, match="not valid base64"):
        load_master_key({}, key_file)


def test_a_directory_in_place_of_the_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "master.key").mkdir(mode=0o700)
    with pytest.raises(MasterKeyError, match="not a regular file"):
        load_master_key({}, tmp_path / "master.key")


@pytest.mark.parametrize(
    "encoded",
    [
        base64.b64encode(RAW).decode(),
        base64.urlsafe_b64encode(RAW).decode(),
        base64.urlsafe_b64encode(RAW).decode().rstrip("="),
        "  " + base64.b64encode(RAW).decode() + "\n",
    ],
)
def test_environment_key_in_either_base64_alphabet(tmp_path: Path, encoded: str) -> None:
    key = load_master_key({MASTER_KEY_ENV: encoded}, tmp_path / "master.key")
    assert key.encoded() == base64.urlsafe_b64encode(RAW).decode()
    assert not (tmp_path / "master.key").exists()  # the environment wins; no file is made


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (base64.b64encode(RAW[:16]).decode(), "exactly 32 bytes, got 16"),
        (base64.b64encode(RAW + b"x").decode(), "exactly 32 bytes, got 33"),
        ("!!!not-base64!!!", "not valid base64"),
        ("ü" * 44, "not valid base64"),
    ],
)
def test_environment_key_that_is_not_32_bytes_of_base64_is_refused(
    tmp_path: Path, value: str, complaint: str
) -> None:
    with pytest.raises(MasterKeyError, match=complaint) as caught:
        load_master_key({MASTER_KEY_ENV: value}, tmp_path / "master.key")
    assert MASTER_KEY_ENV in str(caught.value)


@given(st.binary(min_size=32, max_size=32))
def test_key_never_shows_in_repr_or_str(material: bytes) -> None:
    key = MasterKey(material)
    for shown in (repr(key), str(key), f"{key}"):
        assert shown == "MasterKey(***)"
        assert key.encoded() not in shown


def test_key_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(MasterKey(RAW))


def test_key_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(MasterKeyError, match="exactly 32 bytes"):
        MasterKey(b"short")


def test_a_start_that_loses_the_creation_race_uses_the_winners_key(tmp_path: Path) -> None:
    from ramsts.crypto import master_key

    key_file = tmp_path / "master.key"
    winner = load_master_key({}, key_file)
    master_key._create_key_file(key_file)  # a second start that also saw no file
    assert load_master_key({}, key_file).encoded() == winner.encoded()
    assert list(tmp_path.iterdir()) == [key_file]
