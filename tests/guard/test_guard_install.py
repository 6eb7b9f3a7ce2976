"""``pip install 'ramsts[guard]'`` is what a resource service embedding the remote guard
installs: the wheel built from this tree, in a fresh virtual environment, brings none of the
server's libraries, and its guard verifies a request against a live ramsts server.

Slow-ish (a wheel built, a venv made, httpx installed from PyPI or pip's cache), so one test,
marked ``install``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ramsts.testing import PROXY_VARIABLES, AccessKey, RamstsServer, ramsts_server

pytestmark = pytest.mark.install

REPOSITORY = Path(__file__).resolve().parents[2]
SERVER_DISTRIBUTIONS = ("sqlalchemy", "starlette", "argon2-cffi", "uvicorn", "alembic", "jinja2")
MAY_VERIFY = [{"Effect": "Allow", "Action": "ramsts:VerifyRequest", "Resource": "*"}]
MAY_QUERY = [{"Effect": "Allow", "Action": "iot:QueryProduct", "Resource": "*"}]

EMBEDDING_SERVICE = """\
import json, sys
from ramsts.guard import Guard, GuardRequest, RemoteVerifier
from ramsts.signing import sign_rpc_v1
from ramsts.types import Secret

url, service_id, service_secret, client_id, client_secret = sys.argv[1:]
params = {"Action": "QueryProduct", "Version": "2018-01-20", "ProductKey": "a1B"}
guard = Guard(RemoteVerifier(url, service_id, Secret(service_secret)))
results = {}
for action in ("iot:QueryProduct", "iot:DeleteProduct"):
    signed = sign_rpc_v1("GET", params, client_id, Secret(client_secret))
    result = guard.decide(GuardRequest.of("GET", "/", signed.query, signed.headers), action,
                          "acs:iot:cn-shanghai:${AccountId}:product/a1B")
    results[action] = [result.allowed, result.principal.arn]
print(json.dumps(results))
"""


def _run(*command: str | Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False, env=env
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def _pip(*arguments: str | Path) -> str:
    return _run(sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments)


@pytest.fixture
def guard_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv's interpreter, with the wheel of this tree installed as ``ramsts[guard]``."""
    work = tmp_path_factory.mktemp("guard-install")
    # The wheel is built from a copy, so that the build writes nothing into the repository.
    tree = work / "tree"
    shutil.copytree(
        REPOSITORY / "src",
        tree / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPOSITORY / name, tree / name)
    _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", work / "dist", tree)
    [wheel] = (work / "dist").glob("ramsts-*.whl")
    venv = work / "venv"
    # The venv gets no pip of its own: this interpreter's pip installs into it.
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _pip("--python", python, "install", "--quiet", f"{wheel}[guard]")
    return python


@pytest.fixture
def server() -> Iterator[RamstsServer]:
    with ramsts_server() as started:
        yield started


def _installed(python: Path) -> set[str]:
    listing = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps([d.name for d in m.distributions()]))"
    )
    return {name.lower() for name in json.loads(_run(python, "-c", listing))}


def _embedded_guard_decisions(python: Path, server: RamstsServer) -> dict[str, list[object]]:
    service: AccessKey = server.create_user("iot-service", statements=MAY_VERIFY)
    client: AccessKey = server.create_user("alice", statements=MAY_QUERY)
    env = {name: value for name, value in os.environ.items() if name not in PROXY_VARIABLES}
    env.pop("PYTHONPATH", None)  # the venv's ramsts, not this tree's
    answer = _run(
        python,
        "-c",
        EMBEDDING_SERVICE,
        server.url,
        service.access_key_id,
        service.access_key_secret,
        client.access_key_id,
        client.access_key_secret,
        env=env,
    )
    decisions: dict[str, list[object]] = json.loads(answer)
    return decisions


# One test, not one per outcome: each test of a module may run in a process of its own (this
# pytest ignores xdist_group), and each would pay for the build and the venv again.
def test_the_guard_install_verifies_requests_without_any_server_library(
    guard_python: Path, server: RamstsServer
) -> None:
    installed = _installed(guard_python)
    assert {"ramsts", "httpx"} <= installed
    assert not installed & set(SERVER_DISTRIBUTIONS)

    alice = f"acs:ram::{server.account_id}:user/alice"
    assert _embedded_guard_decisions(guard_python, server) == {
        "iot:QueryProduct": [True, alice],
        "iot:DeleteProduct": [False, alice],
    }

    serve = subprocess.run(
        [guard_python.parent / "ramsts", "serve"], capture_output=True, text=True, check=False
    )
    assert serve.returncode == 1
    assert serve.stderr.strip().endswith("pip install 'ramsts[server]'")
    assert "Traceback" not in serve.stderr
