"""What is being asked: an action on a resource, with the condition keys the server filled in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

ContextValue = str | Sequence[str]


@dataclass(frozen=True, slots=True)
class Request:
    """``context`` maps condition keys (``acs:SourceIp``…) to a string or a list of strings.

    Keys are matched case-insensitively (R17); the lower-cased index is built on first use and
    kept, so evaluating the same request against several policy sets builds it once.
    """

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    _index: dict[str, tuple[str, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def context_index(self) -> dict[str, tuple[str, ...]]:
        index = self._index
        if index is None:
            index = {}
            for key, value in self.context.items():
                values = (value,) if isinstance(value, str) else tuple(value)
                index[key.lower()] = index.get(key.lower(), ()) + values
            object.__setattr__(self, "_index", index)
        return index
