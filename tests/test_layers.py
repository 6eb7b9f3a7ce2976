"""Layers point one way (docs/architecture.md): the policy engine knows nothing of HTTP or SQL,
services never import the entry points that call them, and only the store speaks SQL. Each
package has its layer (:data:`LAYERS`) and imports only from the layers below it, the few
imports within a layer named in :data:`SIDEWAYS`.

Imports under ``if TYPE_CHECKING:`` are names for the type checker, not dependencies, and are
left out.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "ramsts"
FRAMEWORKS = frozenset(
    {"sqlalchemy", "alembic", "starlette", "uvicorn", "jinja2", "httpx", "prometheus_client"}
)

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "vocabulary",
        frozenset(
            {
                "errors",
                "types",
                "caller",
                "parameters",
                "wire_json",
                "request_ids",
                "caching",
                "config",
                "request_quotas",
                "products",
                "loop_work",
            }
        ),
    ),
    (
        "engines",
        frozenset({"policy", "signing", "tokens", "crypto", "store", "metrics", "redaction"}),
    ),
    ("authentication", frozenset({"authentication", "federation"})),
    ("services", frozenset({"ram", "sts", "ims", "actiontrail", "throttling", "audit"})),
    ("entry points", frozenset({"api", "console", "guard"})),
    ("sample resource service", frozenset({"iot"})),
    ("composition root", frozenset({"services"})),
    ("commands", frozenset({"cli", "testing", "__main__"})),
)
"""Bottom to top: a package imports only from the layers below its own."""

SIDEWAYS: dict[str, frozenset[str]] = {
    "parameters": frozenset({"errors", "wire_json"}),
    "config": frozenset({"errors", "request_quotas"}),  # settings hold parsed request quotas
    "request_quotas": frozenset({"errors"}),
    "caching": frozenset({"loop_work"}),  # a cache fills off the event loop
    "tokens": frozenset({"crypto"}),  # a SecurityToken is sealed with the crypto primitives
    # A carried request's query is decoded as the signature parser decodes it.
    "redaction": frozenset({"signing"}),
    "sts": frozenset({"ram", "ims"}),  # STS assumes RAM's roles; OIDC sessions name providers
    "ims": frozenset({"ram"}),  # the Ims actions run on the RAM service, as the real service's
    # LookupEvents runs on the RAM service: its store holds the trail, its authorizer decides.
    "actiontrail": frozenset({"ram"}),
    "testing": frozenset({"cli"}),  # the test server runs the HTTP protocol `ramsts serve` runs
    "__main__": frozenset({"cli"}),
}
"""The imports allowed within one layer, each named."""

FRAMEWORKS_ALLOWED: dict[str, frozenset[str]] = {
    "store": frozenset({"sqlalchemy", "alembic"}),
    # Prometheus' values and exposition, behind one registry (docs/operations.md).
    "metrics": frozenset({"prometheus_client"}),
    "api": frozenset({"starlette"}),
    "console": frozenset({"starlette", "jinja2"}),
    # The remote client's synchronous path; the middleware is plain ASGI (docs/guard.md).
    "guard": frozenset({"httpx"}),
    # The IoT sample stands for an external resource service with its own tables.
    "iot": frozenset({"starlette", "sqlalchemy", "httpx"}),
    "services": frozenset({"starlette"}),
    "cli": frozenset({"httpx", "uvicorn"}),
    "testing": frozenset({"uvicorn"}),
}
"""Every other package imports no web, SQL or HTTP framework."""

LAYER_OF = {package: index for index, (_, packages) in enumerate(LAYERS) for package in packages}


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


def _not_allowed(package: str, imported: set[str]) -> set[str]:
    """What ``package`` may not import among ``imported`` (``<name>`` for a framework)."""
    below = {name for name, layer in LAYER_OF.items() if layer < LAYER_OF[package]}
    allowed = below | SIDEWAYS.get(package, frozenset())
    frameworks = {f"<{name}>" for name in FRAMEWORKS_ALLOWED.get(package, frozenset())}
    return {name for name in imported if name not in allowed | frameworks}


def _packages() -> set[str]:
    return {
        path.name if path.is_dir() else path.stem
        for path in SOURCE.iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.stem != "__init__")
    }


def test_every_package_has_its_layer() -> None:
    assert _packages() == set(LAYER_OF)


@pytest.mark.parametrize("package", sorted(LAYER_OF))
def test_a_package_imports_only_from_the_layers_below(package: str) -> None:
    assert not _not_allowed(package, IMPORTS[package])


UPWARD = [
    (package, above)
    for package, layer in sorted(LAYER_OF.items())
    for above, other in sorted(LAYER_OF.items())
    if other >= layer and above != package and above not in SIDEWAYS.get(package, frozenset())
]


@pytest.mark.parametrize(("package", "above"), UPWARD)
def test_an_import_upward_or_sideways_would_be_refused(package: str, above: str) -> None:
    assert _not_allowed(package, {above}) == {above}


@pytest.mark.parametrize("package", sorted(set(LAYER_OF) - set(FRAMEWORKS_ALLOWED)))
def test_a_framework_import_would_be_refused(package: str) -> None:
    assert _not_allowed(package, {"<sqlalchemy>", "<starlette>"}) == {"<sqlalchemy>", "<starlette>"}


def test_only_the_store_and_the_iot_sample_speak_sql() -> None:
    speaking = {package for package, names in IMPORTS.items() if names & {"<sqlalchemy>"}}
    # The IoT sample stands for an external resource service with its own tables.
    assert speaking <= {"store", "iot"}


def test_the_store_depends_on_nothing_above_it() -> None:
    assert IMPORTS["store"] - {"<sqlalchemy>", "<alembic>"} <= {
        "types",
        "errors",
        "wire_json",
        "loop_work",
    }
