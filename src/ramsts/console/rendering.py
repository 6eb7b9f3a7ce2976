"""Templates: Jinja2 with autoescaping, loaded from the package, and the filters pages share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


def _pretty_json(text: str) -> str:
    """A stored policy document laid out for reading; text that is not JSON stays as it is."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return text


def _date(moment: str | datetime | None) -> str:
    """An instant (a record's, or ``2025-03-01T12:00:00Z`` as answered) as
    ``2025-03-01 12:00 UTC``; one that never happened as a dash. A naive datetime is UTC
    (SQLite returns those)."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if moment and len(moment) >= 16 and "T" in moment:
        return f"{moment[:10]} {moment[11:16]} UTC"
    return moment or "—"


class Renderer:
    def __init__(self) -> None:
        self._env = Environment(
            loader=PackageLoader("ramsts.console", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters["pretty_json"] = _pretty_json
        self._env.filters["date"] = _date

    def render(self, template: str, **context: Any) -> str:
        return self._env.get_template(template).render(**context)
