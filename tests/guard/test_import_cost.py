"""A resource service embedding the remote guard loads no server, database or password library,
and only a few dozen modules of ramsts: the guard, signing, the policy decision's types and the
errors (measured at 39)."""

from __future__ import annotations

import pytest

from fresh_imports import SERVER_LIBRARIES, modules_loaded_by, of_ramsts, top_level

RAMSTS_MODULES_AT_MOST = 45
SERVER_SIDE = (
    "store",
    "api",
    "console",
    "cli",
    "ram",
    "sts",
    "iot",
    "services",
    "crypto",
    "tokens",
)


@pytest.fixture(scope="module")
def loaded() -> set[str]:
    return modules_loaded_by(
        "from ramsts.guard import Guard, GuardMiddleware, GuardRequest, GuardResult,"
        " RemoteVerifier, Target"
    )


def test_the_guard_imports_no_server_database_or_password_library(loaded: set[str]) -> None:
    assert not top_level(loaded) & SERVER_LIBRARIES
    assert "cryptography" not in top_level(loaded)


def test_the_guard_imports_none_of_the_server_side_of_ramsts(loaded: set[str]) -> None:
    packages = {name.split(".")[1] for name in of_ramsts(loaded) if "." in name}
    assert not packages & set(SERVER_SIDE)
    assert "ramsts.guard.local" not in loaded


def test_the_guard_loads_few_modules_of_ramsts(loaded: set[str]) -> None:
    assert len(of_ramsts(loaded)) <= RAMSTS_MODULES_AT_MOST


def test_the_local_verifier_is_imported_when_named() -> None:
    from ramsts import guard
    from ramsts.guard.local import LocalVerifier

    assert guard.LocalVerifier is LocalVerifier
    with pytest.raises(AttributeError):
        _ = guard.NoSuchName  # type: ignore[attr-defined]
