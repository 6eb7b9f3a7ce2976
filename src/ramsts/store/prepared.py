"""Statements compiled once and run on the DB-API cursor: the hot path's way past SQLAlchemy.

SQLAlchemy Core rebuilds, keys, looks up and wraps every statement it runs; on SQLite that costs
several times the query itself. The few statements every request runs (the lookups of GetUser,
the nonces' purge) are therefore written as Core expressions, compiled here once per dialect,
and run straight on the driver's cursor — with the same bind and result conversions as Core
(``UtcDateTime`` included), so rows read either way are equal.

Only plain statements qualify: named bind parameters, no ``IN`` lists expanded per call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql import Delete, Insert, Select

_Processor = Callable[[Any], Any] | None


class PreparedStatement:
    """``statement`` compiled for ``dialect``; :meth:`execute` runs it on a cursor of a
    connection of that dialect."""

    def __init__(self, statement: Select[Any] | Insert | Delete, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        order = compiled.positiontup
        self._positional = order is not None
        self._binds: tuple[tuple[str, _Processor], ...] = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in (order if order is not None else compiled.binds)
        )
        columns = list(statement.selected_columns) if isinstance(statement, Select) else []
        self._keys = tuple(str(column.key) for column in columns)
        self._results: tuple[_Processor, ...] = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        )

    def execute(self, cursor: DBAPICursor, values: Mapping[str, Any]) -> int:
        """Run the statement with ``values`` (one per bind parameter name); the rowcount."""
        converted = [
            (name, values[name] if process is None else process(values[name]))
            for name, process in self._binds
        ]
        if self._positional:
            cursor.execute(self.sql, tuple(value for _, value in converted))
        else:
            cursor.execute(self.sql, dict(converted))
        return cursor.rowcount

    def fetch(self, cursor: DBAPICursor, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a SELECT; its rows as dicts keyed by column key, values converted as Core does."""
        self.execute(cursor, values)
        keys, results = self._keys, self._results
        return [
            {
                key: value if process is None else process(value)
                for key, process, value in zip(keys, results, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


class Precompiled:
    """A statement to be prepared for whichever dialect runs it: compiled on first use, once per
    dialect. Define it at module level, next to the repository that runs it."""

    def __init__(self, statement: Select[Any] | Insert | Delete) -> None:
        self._statement = statement
        self._prepared: dict[str, PreparedStatement] = {}

    def for_dialect(self, dialect: Dialect) -> PreparedStatement:
        prepared = self._prepared.get(dialect.name)
        if prepared is None:
            prepared = self._prepared[dialect.name] = PreparedStatement(self._statement, dialect)
        return prepared
