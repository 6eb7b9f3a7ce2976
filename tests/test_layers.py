"""Layers point one way (docs/architecture.md): the policy engine knows nothing of HTTP or SQL,
services never import the entry points that call them, and only the store speaks SQL.

Imports under ``if TYPE_CHECKING:`` are names for the type checker, not dependencies, and are
left out.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "ramsts"
FRAMEWORKS = frozenset({"sqlalchemy", "alembic", "starlette", "uvicorn", "jinja2", "httpx"})
FOUNDATION = (
    "errors",
    "types",
    "caller",
    "parameters",
    "wire_json",
    "policy",
    "signing",
    "tokens",
    "crypto",
)
SERVICES = ("ram", "sts", "ims", "federation", "store")
ENTRY_POINTS = frozenset({"api", "console", "cli", "guard", "iot", "services", "testing"})


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(inner) for inner in ast.walk(node))
    return hidden


def _imports_by_package() -> dict[str, set[str]]:
    """Package (or top-level module) → what it imports: ``ramsts`` packages by name, frameworks
    as ``<name>``."""
    imports: dict[str, set[str]] = defaultdict(set)
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE)
        package = relative.parts[0] if len(relative.parts) > 1 else relative.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "ramsts" and len(parts) > 1 and parts[1] != package:
                    imports[package].add(parts[1])
                elif parts[0] in FRAMEWORKS:
                    imports[package].add(f"<{parts[0]}>")
    return imports


IMPORTS = _imports_by_package()


@pytest.mark.parametrize("package", FOUNDATION)
def test_the_foundation_imports_no_framework_and_no_service(package: str) -> None:
    imported = IMPORTS[package]
    assert not {name for name in imported if name.startswith("<")}
    assert not imported & (set(SERVICES) | ENTRY_POINTS)


@pytest.mark.parametrize("package", SERVICES)
def test_services_never_import_their_callers(package: str) -> None:
    assert not IMPORTS[package] & ENTRY_POINTS


def test_only_the_store_and_the_iot_sample_speak_sql() -> None:
    speaking = {package for package, names in IMPORTS.items() if names & {"<sqlalchemy>"}}
    # The IoT sample stands for an external resource service with its own tables.
    assert speaking <= {"store", "iot"}


def test_the_store_depends_on_nothing_above_it() -> None:
    assert IMPORTS["store"] - {"<sqlalchemy>", "<alembic>"} <= {"types", "errors", "wire_json"}


@pytest.mark.parametrize("package", ["api", "console", "guard"])
def test_entry_points_do_not_call_each_other(package: str) -> None:
    others = {"api", "console", "guard", "cli"} - {package}
    assert not IMPORTS[package] & others
