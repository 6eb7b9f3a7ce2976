"""What every repository shares: its transaction's connection and the mapping of constraint
violations to the store's own errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable

from ramsts.store.errors import Conflict, ReferenceMissing
from ramsts.store.prepared import Precompiled

_UNIQUE = {"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
_FOREIGN_KEY = {"23503", "SQLITE_CONSTRAINT_FOREIGNKEY"}


def violation(original: object) -> str:
    """The driver's name for the violated constraint kind (SQLSTATE or SQLite's error name) of
    the driver's error ``original``."""
    return str(getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", ""))


class Repository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _fetch(self, query: Precompiled, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a hot-path SELECT on this transaction's connection, past SQLAlchemy's per-call
        work (see :mod:`ramsts.store.prepared`)."""
        cursor = self._connection.connection.cursor()
        try:
            return query.for_dialect(self._connection.dialect).fetch(cursor, values)
        finally:
            cursor.close()

    def _write(
        self,
        statement: Executable,
        rows: Sequence[Mapping[str, Any]] | None = None,
        *,
        entity: str,
        key: str = "",
        parent: str = "",
    ) -> CursorResult[tuple[object, ...]]:
        """Run a write that may break a uniqueness rule or point at a missing row (once for
        each of ``rows``, if given: one statement the driver runs many times).

        It runs in a savepoint so that, when it fails, the transaction stays usable (PostgreSQL
        aborts the whole transaction on an error otherwise) and the caller may carry on.
        """
        try:
            with self._connection.begin_nested():
                return self._connection.execute(statement, rows)
        except IntegrityError as exc:
            raise_violation(exc, violation(exc.orig), entity=entity, key=key, parent=parent)
            raise


def raise_violation(
    exc: Exception, kind: str, *, entity: str, key: str = "", parent: str = ""
) -> None:
    """Raise the store's error for a violated uniqueness rule or a missing reference (``kind``:
    :func:`violation`'s); return for any other error, for the caller to re-raise."""
    if kind in _UNIQUE:
        raise Conflict(entity, key) from exc
    if kind in _FOREIGN_KEY:
        raise ReferenceMissing(parent or entity, key) from exc
