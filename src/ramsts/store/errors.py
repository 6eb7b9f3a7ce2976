"""Errors the store raises. They are not client errors: the service layer maps them.

A service catches :class:`Conflict` and raises ``EntityAlreadyExists.<entity>``; the entity named
here is already the suffix the real service uses (``User``, ``Role``, ``User.Group``,
``Group.Policy``, ``AccountAlias``…), so the mapping is one line.
"""

from __future__ import annotations


class StoreError(Exception):
    """Root of the store's own errors."""


class Conflict(StoreError):
    """A write would break a uniqueness rule (a name, an attachment, a membership…)."""

    def __init__(self, entity: str, key: str = "") -> None:
        super().__init__(f"{entity} already exists: {key!r}" if key else f"{entity} already exists")
        self.entity = entity
        self.key = key


class ReferenceMissing(StoreError):
    """A write refers to a row that does not exist (or was deleted by a concurrent action)."""

    def __init__(self, entity: str, key: str = "") -> None:
        super().__init__(f"{entity} does not exist: {key!r}" if key else f"{entity} does not exist")
        self.entity = entity
        self.key = key


class InvalidMarker(StoreError):
    """A pagination ``Marker`` that this store did not issue."""


class SchemaError(StoreError):
    """The database schema is missing or newer than this code, and migration was not requested."""
