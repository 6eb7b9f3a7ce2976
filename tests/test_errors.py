"""The error families: codes without a shared prefix are given whole, in three families that
say where the rule lives, none of which is a kind of another."""

from __future__ import annotations

import itertools

import pytest

from ramsts.errors import (
    AuthenticationError,
    GatewayError,
    RamstsError,
    ServiceError,
    WholeCodeError,
)

FAMILIES = (AuthenticationError, GatewayError, ServiceError)


@pytest.mark.parametrize(("one", "other"), list(itertools.permutations(FAMILIES, 2)))
def test_no_whole_code_family_is_a_kind_of_another(
    one: type[RamstsError], other: type[RamstsError]
) -> None:
    assert not issubclass(one, other)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_whole_code_error_keeps_its_code_and_status(family: type[WholeCodeError]) -> None:
    default = family("Throttling.User", "Request was denied due to user flow control.")
    given = family("InvalidAction.NotFound", "Specified api is not found.", http_status=404)
    assert (default.code, default.http_status) == ("Throttling.User", 400)
    assert (given.code, given.http_status) == ("InvalidAction.NotFound", 404)
    assert isinstance(given, RamstsError)
