"""Vocabulary shared by every layer: secrets that never print, and an injectable clock."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current instant as an aware UTC datetime. Injected wherever expiry matters."""


def system_clock() -> datetime:
    return datetime.now(UTC)


class Secret:
    """A secret string (AccessKeySecret, password, key material) that never shows in a repr or log.

    The value is reachable only through :meth:`reveal`, so every place that needs the plain text
    says so in the code.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def equals(self, other: str) -> bool:
        """Constant-time comparison against a candidate value."""
        return hmac.compare_digest(self._value.encode(), other.encode())

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and self.equals(other._value)

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))
