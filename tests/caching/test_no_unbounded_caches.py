"""No cache in ``src/`` grows without bound (issue #15): every cache of store data is a
:class:`~ramsts.caching.Cache` registered with the process's caches, with a size and an age
limit; what is left of ``functools`` memoisation names its bound, or takes no argument."""

from __future__ import annotations

import ast
import math
from pathlib import Path

from ramsts.config import Settings
from ramsts.crypto import MASTER_KEY_ENV, MasterKey
from ramsts.services import build_services

SOURCE = Path(__file__).resolve().parents[2] / "src" / "ramsts"

STORE_DATA_CACHES = {
    "access_keys",
    "role_states",
    "principal_policies",
    "policy_versions",
    "session_policies",
    "roles",
    "oidc_providers",
    "oidc_issuers",
}


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(SOURCE)), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(SOURCE.rglob("*.py"))
    ]


def _name(node: ast.expr) -> str:
    return ast.unparse(node.func if isinstance(node, ast.Call) else node)


def test_functools_memoisation_always_names_its_bound() -> None:
    unbounded = []
    for where, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) in ("lru_cache", "functools.lru_cache"):
                bound = (
                    node.args[0]
                    if node.args
                    else next((k.value for k in node.keywords if k.arg == "maxsize"), None)
                )
                if bound is None or (isinstance(bound, ast.Constant) and bound.value is None):
                    unbounded.append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    name = _name(decorator)
                    bare_lru = name in ("lru_cache", "functools.lru_cache") and not isinstance(
                        decorator, ast.Call
                    )
                    takes_arguments = bool(node.args.args or node.args.kwonlyargs)
                    memoised = name in ("cache", "functools.cache") and takes_arguments
                    if bare_lru or memoised:
                        unbounded.append(f"{where}:{node.lineno} {node.name}")

    assert not unbounded, f"memoisation without a bound: {unbounded}"


HAND_BOUNDED = {
    "tokens/keyring.py": "opened tokens, at most OPENED_TOKENS_KEPT: pure memoisation on the"
    " path of every role session's request, where a Cache's lookup would double its cost",
}
"""Modules outside ``ramsts.caching`` that keep a bounded memo of their own, and why."""


def test_only_the_caching_package_keeps_entries_in_order_of_age() -> None:
    # An OrderedDict elsewhere is a hand-rolled cache's tell-tale.
    found = [
        f"{where}:{node.lineno}"
        for where, tree in _modules()
        if not where.startswith("caching/") and where not in HAND_BOUNDED
        for node in ast.walk(tree)
        if isinstance(node, ast.Name | ast.Attribute) and ast.unparse(node).endswith("OrderedDict")
    ]

    assert not found, f"a cache outside ramsts.caching: {found}"


def test_every_cache_of_store_data_is_registered_with_a_size_and_an_age_limit(
    tmp_path: Path,
) -> None:
    services = build_services(
        Settings(db_url=f"sqlite:///{tmp_path}/caches.db", data_dir=tmp_path),
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
    )
    try:
        registered = list(services.caches)
    finally:
        services.close()

    assert {cache.name for cache in registered} >= STORE_DATA_CACHES
    for cache in registered:
        assert cache.limit >= 1, cache.name
        assert math.isfinite(cache.max_age), cache.name
