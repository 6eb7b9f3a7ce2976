"""Which page of a listing a use case is asked for: the ``Marker`` where the previous page
ended, and at most how many items (spec api.md §9.4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ramsts.parameters import out_of_range
from ramsts.store import Page, Tag

T = TypeVar("T")

TagFilter = Sequence[tuple[str, str | None]]
"""Tags an item must carry to be listed: a key with the value it must have, or ``None`` for
any value."""

DEFAULT_MAX_ITEMS = 100
MOST_ITEMS = 1000


@dataclass(frozen=True, slots=True)
class Listing:
    marker: str | None = None
    """``None``: the first page."""
    max_items: int = DEFAULT_MAX_ITEMS

    def __post_init__(self) -> None:
        self.check(MOST_ITEMS)

    def check(self, most: int) -> None:
        """Refuse a page larger than ``most`` items, for a listing that documents fewer than
        :data:`MOST_ITEMS` (``MaxItems``, as the API reads it)."""
        if not 1 <= self.max_items <= most:
            raise out_of_range("MaxItems", str(self.max_items), 1, most)


@dataclass(frozen=True, slots=True)
class TaggedPage(Generic[T]):
    """A page of roles or policies, and the tags of each (by its id)."""

    page: Page[T]
    tags: dict[str, list[Tag]]
