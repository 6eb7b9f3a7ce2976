"""``ramsts serve`` stops gracefully on SIGTERM: it stops accepting connections at once, finishes
the request it is answering — here one whose body is still on its way — then closes its store
and exits 0. A request that never finishes is cancelled once ``--shutdown-timeout`` has passed,
so that no client can keep the server from stopping."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from server_processes import ramsts_command

from local_servers import serve_env
from ramsts.cli import main
from ramsts.iot.client import Credentials
from ramsts.signing import sign_rpc_v1

RAM = "2015-05-01"
STOP_TIMEOUT = 30.0


def _begin_create_user(port: int, root: Credentials, name: str) -> tuple[socket.socket, bytes]:
    """A signed CreateUser whose head and first half of the body are sent; the rest returned."""
    signed = sign_rpc_v1(
        "POST",
        {"Action": "CreateUser", "Version": RAM},
        root.access_key_id,
        root.access_key_secret,
        form={"UserName": name},
    )
    head = [f"POST /?{signed.query} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{name}: {value}" for name, value in signed.headers]
    head += [f"Content-Length: {len(signed.body)}", "Connection: close", "", ""]
    connection = socket.create_connection(("127.0.0.1", port), timeout=STOP_TIMEOUT)
    half = len(signed.body) // 2
    connection.sendall("\r\n".join(head).encode("ascii") + signed.body[:half])
    return connection, signed.body[half:]


def _accepts_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _answer(connection: socket.socket) -> tuple[int, dict[str, Any]]:
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_request_in_flight_at_sigterm_is_finished_and_the_server_exits_0(
    tmp_path: Path,
) -> None:
    with ramsts_command(tmp_path, "serve", env=serve_env(tmp_path)) as served:
        root = served.root
        assert root is not None
        connection, rest = _begin_create_user(served.port, root, "finished-after-sigterm")
        with connection:
            time.sleep(0.2)  # the head has reached the server: the request is in flight
            served.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT
            while _accepts_connections(served.port):
                assert time.monotonic() < deadline, "the server kept accepting connections"
                time.sleep(0.05)
            assert served.process.poll() is None, "the server stopped before its request ended"
            connection.sendall(rest)
            status, body = _answer(connection)
        served.process.wait(timeout=STOP_TIMEOUT)

    assert status == 200, body
    assert body["User"]["UserName"] == "finished-after-sigterm"
    assert served.process.returncode == 0


def test_a_request_that_never_finishes_is_cancelled_after_the_shutdown_timeout(
    tmp_path: Path,
) -> None:
    flags = ("--shutdown-timeout", "1")
    with ramsts_command(tmp_path, "serve", *flags, env=serve_env(tmp_path)) as served:
        root = served.root
        assert root is not None
        connection, _ = _begin_create_user(served.port, root, "never-finished")
        with connection:
            time.sleep(0.2)
            signalled = time.monotonic()
            served.process.send_signal(signal.SIGTERM)
            served.process.wait(timeout=STOP_TIMEOUT)
            stopped_after = time.monotonic() - signalled

    assert served.process.returncode == 0
    assert 1.0 <= stopped_after < STOP_TIMEOUT


@pytest.mark.parametrize("seconds", ["-1", "nan", "3601"])
def test_a_shutdown_timeout_out_of_range_stops_the_server_at_start(
    seconds: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--shutdown-timeout", seconds]) == 3
    assert capsys.readouterr().err.startswith("InvalidParameter.ShutdownTimeout: ")


def test_the_shutdown_timeout_variable_is_read_as_a_number_or_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAMSTS_SHUTDOWN_TIMEOUT", "soon")
    assert main(["serve"]) == 3
    assert "RAMSTS_SHUTDOWN_TIMEOUT must be a number of seconds, not 'soon'." in (
        capsys.readouterr().err
    )
