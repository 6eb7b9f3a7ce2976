"""Errors the store raises. They are not client errors: the service layer maps them.

A service catches :class:`Conflict` and raises ``EntityAlreadyExists.<entity>``; the entity named
here is already the suffix the real service uses (``User``, ``Role``, ``User.Group``,
``Group.Policy``, ``AccountAlias``…), so the mapping is one line.

:func:`without_database` lives here with :class:`DatabaseNeeded`, the error it makes the store
raise, so that code choosing where to run work needs nothing else from the store.
"""

from __future__ import annotations

from contextvars import ContextVar


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


class DatabaseNeeded(Exception):
    """Raised by the store, inside :func:`~ramsts.store.without_database`, where it would reach
    the database.

    Not a :class:`StoreError`: it is no failure of the action, only a sign that the work must be
    redone off the event loop, so no ``except StoreError`` on the way out should turn it into a
    client error.
    """

    def __init__(self) -> None:
        super().__init__("this call would reach the database, inside without_database()")


# A ContextVar, so the block holds for one thread or asyncio task only: a worker thread of
# loop.run_in_executor starts from an empty context and may reach the database.
_without_database: ContextVar[bool] = ContextVar("ramsts_without_database", default=False)


class without_database:
    """Within the block (in this thread or asyncio task), any store call that would reach the
    database raises :class:`DatabaseNeeded` instead of blocking; ``Store.submit_nonce`` still
    works. Callers on an event loop try cached work inline and redo it in a worker thread when
    this is raised. Blocks nest.

    ``asyncio.to_thread`` copies the caller's context: call it outside the block, or use
    ``loop.run_in_executor``, which does not.

    A class rather than a generator-based context manager: it is entered on every request
    that runs on the event loop, and this costs a third as much.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _without_database.set(True)

    def __exit__(self, *exc_info: object) -> None:
        _without_database.reset(self._token)


def check_database_allowed() -> None:
    """The first step of every store call that reaches the database: inside
    :func:`without_database`, raise :class:`DatabaseNeeded` before doing anything."""
    if _without_database.get():
        raise DatabaseNeeded
