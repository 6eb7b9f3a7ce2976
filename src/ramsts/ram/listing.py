"""Which page of a listing a use case is asked for: the ``Marker`` where the previous page
ended, and at most how many items (spec api.md §9.4)."""

from __future__ import annotations

from dataclasses import dataclass

from ramsts.errors import InvalidParameter

DEFAULT_MAX_ITEMS = 100
MOST_ITEMS = 1000


@dataclass(frozen=True, slots=True)
class Listing:
    marker: str | None = None
    """``None``: the first page."""
    max_items: int = DEFAULT_MAX_ITEMS

    def __post_init__(self) -> None:
        if not 1 <= self.max_items <= MOST_ITEMS:
            raise InvalidParameter(
                "MaxItems",
                f"The parameter MaxItems must be between 1 and {MOST_ITEMS};"
                f' got "{self.max_items}".',
            )
