"""The documentation is complete: what the code serves, raises, offers and reads is written down.

In the spirit of datasette's ``test_docs.py``, each test collects the facts from the code (the
actions the app registers, the error codes ``src/`` can raise, the CLI's commands, the
environment variables it reads) and fails naming every one the docs leave out. The fix for a
failure here is a line of documentation, not a change to the test.

:func:`documented_errors` is also what the API tests check wire codes against
(``tests/api/test_bad_input_properties.py``): every code a client sees at run time must be
listed in ``docs/errors.md`` with the status it is answered with.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

import ramsts.errors as errors_module
from ramsts.cli import build_parser
from ramsts.cli.demo import demo_action_modules
from ramsts.errors import RamstsError

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "ramsts"

FAMILIES = {
    cls.__name__: cls.family
    for cls in vars(errors_module).values()
    if isinstance(cls, type) and issubclass(cls, RamstsError) and cls.family
}
"""Family constructors (``EntityNotExist("Role", …)`` → ``EntityNotExist.Role``)."""
FULL_CODE_CONSTRUCTORS = {
    "WholeCodeError",
    "AuthenticationError",
    "GatewayError",
    "ServiceError",
    "PolicyError",
}
"""Constructors whose first argument is the whole code (``GatewayError("InvalidVersion", …)``)."""
PLACEHOLDER = "<Name>"

_TICKED = re.compile(r"`([^`]+)`")
_CODE_TOKEN = re.compile(r"^\.?[A-Z][A-Za-z0-9]*(?:<Name>)?(?:\.(?:[A-Z][A-Za-z0-9]*|<Name>))*$")
_STATUS = re.compile(r"\b([1-5]\d\d)\b")


# -- docs/errors.md ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentedError:
    """One code (or pattern, ``InvalidParameter.<Name>.Length``) of docs/errors.md."""

    pattern: str
    status: int

    def matches(self, code: str) -> bool:
        parts = [re.escape(part) for part in self.pattern.split(PLACEHOLDER)]
        return re.fullmatch("[A-Za-z0-9]+".join(parts), code) is not None


def _table_rows(lines: list[str]) -> Iterator[tuple[dict[str, str], str]]:
    """(row as {header: cell}, section heading) for every table row of a Markdown file."""
    heading = ""
    header: list[str] | None = None
    for line in lines:
        if line.startswith("#"):
            heading, header = line, None
            continue
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = [cell.lower() for cell in cells]
        elif not all(set(cell) <= set("-: ") for cell in cells):
            yield dict(zip(header, cells, strict=False)), heading


def _expand(tokens: list[str]) -> list[str]:
    """``A.B`` / ``.C`` in one cell means ``A.B`` and ``A.C`` (the family of the previous code)."""
    expanded: list[str] = []
    for token in tokens:
        if token.startswith(".") and expanded:
            token = expanded[-1].split(".")[0] + token
        expanded.append(token)
    return expanded


@cache
def documented_errors() -> tuple[DocumentedError, ...]:
    """Every code of docs/errors.md with its HTTP status.

    Codes come from the ``code`` column of its tables; the status from the row's ``HTTP`` column,
    or else from the section heading (``## Limits (RAM, 409; …)``), or else 400 (the Parameters
    section: "the others are 400"). Family codes named in prose (``MissingParameter.<Name>`` for
    STS) count too, at 400.
    """
    lines = (DOCS / "errors.md").read_text(encoding="utf-8").splitlines()
    found: list[DocumentedError] = []
    for row, heading in _table_rows(lines):
        if "code" not in row:
            continue
        tokens = [t for t in _TICKED.findall(row["code"]) if _CODE_TOKEN.match(t)]
        status_text = row.get("http") or heading
        status = _STATUS.search(status_text)
        for code in _expand(tokens):
            found.append(DocumentedError(code, int(status.group(1)) if status else 400))
    for line in lines:
        if line.startswith("|"):
            continue
        for token in _TICKED.findall(line):
            if _CODE_TOKEN.match(token) and token.split(".")[0] in FAMILIES.values():
                found.append(DocumentedError(token, 400))
    return tuple(found)


def documented_statuses(code: str) -> set[int]:
    """The statuses docs/errors.md gives ``code`` (empty when it is not documented)."""
    return {entry.status for entry in documented_errors() if entry.matches(code)}


# -- codes src/ can raise ----------------------------------------------------------------------


def _constructor_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _code_text(node: ast.expr | None) -> str | None:
    """A constant code, or an f-string one with ``<Name>`` for each interpolated part."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | type(None)):
        return node.value or ""
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else PLACEHOLDER for part in node.values
        )
    return None


def _codes_in(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _constructor_name(node)
            first = node.args[0] if node.args else None
            text = _code_text(first)
            if text is None:
                continue  # a code passed in a variable: the call site that chose it is scanned
            if name in FAMILIES:
                yield f"{FAMILIES[name]}.{text}" if text else FAMILIES[name]
            elif name in FULL_CODE_CONSTRUCTORS or (
                name == "__init__" and _CODE_TOKEN.match(text) and "." in text
            ):
                yield text
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            # code tables such as policy.errors.GRAMMAR_CODES / SIZE_CODES
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(target.endswith("_CODES") for target in targets):
                for value in node.value.values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        yield value.value


def _annotated_codes_in(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id.endswith("_CODES")
            and isinstance(node.value, ast.Dict)
        ):
            for value in node.value.values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    yield value.value


@cache
def raisable_codes() -> dict[str, list[str]]:
    """Every code ``src/ramsts`` constructs an error with → where (``path:line``)."""
    codes: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(ROOT))
        for code in [*_codes_in(tree), *_annotated_codes_in(tree)]:
            codes.setdefault(code, []).append(where)
    return codes


def _is_documented(code: str) -> bool:
    if PLACEHOLDER not in code:
        return bool(documented_statuses(code))
    # An interpolated code (DeleteConflict.Policy.<Name>) is documented when some documented
    # code or pattern has its shape.
    shape = DocumentedError(code, 0)
    return any(
        shape.matches(entry.pattern.replace(PLACEHOLDER, "Name")) for entry in documented_errors()
    )


def test_the_scanner_sees_each_way_an_error_is_raised() -> None:
    codes = raisable_codes()
    assert "EntityNotExist.Role" in codes  # a family with its suffix
    assert "SignatureNonceUsed" in codes  # a full code
    assert "InvalidSecurityToken.Malformed" in codes  # a subclass naming its code in __init__
    assert "InvalidParameter.PolicyGrammar" in codes  # a table of codes
    assert "InvalidParameter.<Name>.Length" in codes  # an interpolated suffix


def test_the_errors_doc_is_read_with_its_statuses() -> None:
    assert documented_statuses("EntityNotExist.Role") == {404}
    assert documented_statuses("InvalidTimeStamp.Format") == {400}  # `A.B` / `.Format`
    assert documented_statuses("LimitExceeded.Group") == {409}  # status from the heading
    assert documented_statuses("InvalidParameter.UserName.Length") == {400}  # <Name> pattern
    assert documented_statuses("NoSuchCode.Anywhere") == set()


def test_every_error_code_src_can_raise_is_in_errors_md() -> None:
    missing = {code: where for code, where in raisable_codes().items() if not _is_documented(code)}
    assert not missing, "docs/errors.md lacks: " + "; ".join(
        f"{code} ({', '.join(sorted(set(where)))})" for code, where in sorted(missing.items())
    )


# -- docs/api.md -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registered_actions(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    from ramsts.config import Settings
    from ramsts.crypto import MASTER_KEY_ENV, MasterKey
    from ramsts.services import build_services

    data_dir = tmp_path_factory.mktemp("docs")
    services = build_services(
        Settings(db_url=f"sqlite:///{data_dir / 'ramsts.db'}", data_dir=data_dir),
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
        action_modules=demo_action_modules(),
    )
    try:
        return sorted((action.product.version, action.name) for action in services.actions)
    finally:
        services.close()


def _api_doc_statuses() -> dict[str, str]:
    """Action → status, from every table of docs/api.md that has both columns."""
    lines = (DOCS / "api.md").read_text(encoding="utf-8").splitlines()
    statuses: dict[str, str] = {}
    for row, _heading in _table_rows(lines):
        names = _TICKED.findall(row.get("action", ""))
        if names and row.get("status"):
            statuses[names[0]] = row["status"]
    return statuses


def test_every_registered_action_is_in_api_md_with_a_status(
    registered_actions: list[tuple[str, str]],
) -> None:
    documented = _api_doc_statuses()
    missing = [
        f"{name} ({version})" for version, name in registered_actions if not documented.get(name)
    ]
    assert not missing, "docs/api.md lacks a row with a status for: " + ", ".join(missing)


def test_no_registered_action_is_documented_as_planned(
    registered_actions: list[tuple[str, str]],
) -> None:
    documented = _api_doc_statuses()
    stale = [
        name for _, name in registered_actions if documented.get(name, "").startswith("planned")
    ]
    assert not stale, "registered, yet docs/api.md calls them planned: " + ", ".join(stale)


def test_every_ims_action_of_the_sdk_is_listed_once_done_exactly_when_served(
    registered_actions: list[tuple[str, str]],
) -> None:
    """The "Every Ims action" table: each action alibabacloud-ims20190815 can call, once, "done"
    if and only if ramsts registers it under Ims's version, "not served" otherwise."""
    import alibabacloud_ims20190815.client as ims_client

    sdk_actions = set(re.findall(r"action = '(\w+)'", inspect.getsource(ims_client)))
    lines = (DOCS / "api.md").read_text(encoding="utf-8").splitlines()
    listed = [
        (_TICKED.findall(row["action"])[0], row["status"])
        for row, heading in _table_rows(lines)
        if heading == "### Every Ims action"
    ]
    names = [name for name, _ in listed]
    assert sorted(names) == sorted(sdk_actions), "the table is not the SDK's list of actions"
    served = {name for version, name in registered_actions if version == "2019-08-15"}
    assert {name for name, status in listed if status == "done"} == served
    assert {status for _, status in listed} <= {"done", "not served"}


# -- docs/cli.md -------------------------------------------------------------------------------


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield " ".join((*path, name))
                yield from _commands(sub, (*path, name))


def test_every_cli_command_is_in_cli_md() -> None:
    cli_md = DOCS / "cli.md"
    text = cli_md.read_text(encoding="utf-8") if cli_md.exists() else ""
    commands = list(_commands(build_parser()))
    assert "keys rotate" in commands  # the walk reaches sub-commands
    missing = [
        command
        for command in commands
        if not re.search(r"ramsts\s+" + r"\s+".join(map(re.escape, command.split())) + r"\b", text)
    ]
    assert not missing, "docs/cli.md lacks: " + ", ".join(f"ramsts {c}" for c in missing)


# -- docs/deploy.md ----------------------------------------------------------------------------


def _environment_variables() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for name in re.findall(r"\bRAMSTS_[A-Z0-9_]+\b", node.value):
                    names.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return names


def test_every_environment_variable_src_reads_is_in_deploy_md() -> None:
    deploy_md = DOCS / "deploy.md"
    text = deploy_md.read_text(encoding="utf-8") if deploy_md.exists() else ""
    variables = _environment_variables()
    assert "RAMSTS_DB" in variables
    missing = {name: where for name, where in variables.items() if name not in text}
    assert not missing, "docs/deploy.md lacks: " + "; ".join(
        f"{name} ({', '.join(sorted(set(where)))})" for name, where in sorted(missing.items())
    )


def test_every_action_api_md_calls_done_is_served_by_a_default_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``ramsts serve`` (the composition root's own ACTION_MODULES, no demo products) serves
    every action the docs call done."""
    from ramsts.config import Settings
    from ramsts.crypto import MASTER_KEY_ENV, MasterKey
    from ramsts.services import build_services

    data_dir = tmp_path_factory.mktemp("served")
    services = build_services(
        Settings(db_url=f"sqlite:///{data_dir / 'ramsts.db'}", data_dir=data_dir),
        env={MASTER_KEY_ENV: MasterKey.generate().encoded()},
    )
    try:
        served = {action.name for action in services.actions}
    finally:
        services.close()
    done = [name for name, status in _api_doc_statuses().items() if status == "done"]
    assert "CreateUser" in done
    missing = sorted(set(done) - served)
    assert not missing, "docs/api.md says done, ramsts serve does not register: " + ", ".join(
        missing
    )
