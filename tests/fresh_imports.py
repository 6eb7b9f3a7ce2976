"""What an import loads, measured in a fresh interpreter (this one has loaded everything)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"

SERVER_LIBRARIES = frozenset(
    {"sqlalchemy", "alembic", "psycopg", "starlette", "uvicorn", "jinja2", "argon2"}
)
"""Top-level modules of the server's database, web and password libraries."""


def modules_loaded_by(statement: str) -> set[str]:
    """The names in ``sys.modules`` once ``statement`` has run in a new interpreter."""
    script = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    path = os.pathsep.join(filter(None, [str(SOURCE), os.environ.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    return set(json.loads(completed.stdout))


def top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def of_ramsts(modules: set[str]) -> set[str]:
    return {name for name in modules if name == "ramsts" or name.startswith("ramsts.")}
