"""Slow clients cannot take ``ramsts serve`` down: a connection that has not sent a whole request
head within the header timeout is closed, and one process holds a bounded number of
connections, so ``/health`` keeps answering while 1,100 stalled connections are open."""

from __future__ import annotations

import contextlib
import resource
import selectors
import signal
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_processes import ramsts_command

from local_servers import healthy, serve_env
from ramsts.cli import main
from ramsts.testing import ramsts_server

STALLED = 1_100
TYPICAL_SOFT_LIMIT = 1024
"""Where many systems start a service's open-file limit."""
CLOSE_TIMEOUT = 120.0
"""Generous: the server closes stalled connections after its header timeout (5 s by default)."""


@pytest.fixture(autouse=True)
def enough_files_here() -> Iterator[None]:
    """This test process holds the stalled connections' other ends."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = STALLED + 200
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"the test needs {needed} open files; the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def stall(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that stall before their request head is complete: a third send
    nothing, a third half a head, a third one whole request and then half of the next."""
    stalled = []
    for index in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        stalled.append(sock)
        kind = index % 3
        try:
            if kind == 2:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                _read_answer(sock)
            if kind:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        except OSError:
            pass  # refused or reset at once: still_open() counts it closed
    return stalled


def _read_answer(sock: socket.socket) -> None:
    received = b""
    while not received.endswith(b'"OK"}'):
        chunk = sock.recv(4096)
        if not chunk:
            return
        received += chunk


def still_open(sockets: list[socket.socket]) -> int:
    """How many of ``sockets`` the server has not closed (nothing is sent on them)."""
    count = 0
    for sock in sockets:
        sock.setblocking(False)
        try:
            closed = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            closed = False
        except ConnectionError:
            closed = True
        count += not closed
    return count


def closed_by_server(sockets: list[socket.socket], timeout: float) -> int:
    """Wait (at most ``timeout`` seconds) until the server has closed every one of ``sockets``;
    returns how many it closed."""
    selector = selectors.DefaultSelector()
    for sock in sockets:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    closed = 0
    deadline = time.monotonic() + timeout
    while closed < len(sockets) and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1.0):
            readable = key.fileobj
            assert isinstance(readable, socket.socket)
            try:
                ended = readable.recv(4096) == b""
            except ConnectionError:
                ended = True
            if ended:
                selector.unregister(readable)
                closed += 1
    selector.close()
    return closed


@pytest.fixture
def stalled_sockets() -> Iterator[list[socket.socket]]:
    sockets: list[socket.socket] = []
    yield sockets
    for sock in sockets:
        sock.close()


def test_health_answers_while_1100_connections_stall_and_the_server_then_closes_them(
    tmp_path: Path, stalled_sockets: list[socket.socket]
) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    file_limit = (TYPICAL_SOFT_LIMIT, hard)  # the server lifts its own soft limit
    with ramsts_command(
        tmp_path, "serve", env=serve_env(tmp_path), file_limit=file_limit
    ) as served:
        stalled_sockets += stall(served.port, STALLED)

        answered = healthy(served.port)
        held = still_open(stalled_sockets)
        closed = closed_by_server(stalled_sockets, CLOSE_TIMEOUT)
        answered_after = healthy(served.port)

    assert answered
    assert held == STALLED  # accepted and held, not refused, while /health answered
    assert closed == STALLED  # each closed after the header timeout
    assert answered_after


@pytest.mark.parametrize(
    ("flags", "file_limit", "bound"),
    [
        pytest.param((), (TYPICAL_SOFT_LIMIT,) * 2, TYPICAL_SOFT_LIMIT, id="files"),
        pytest.param(("--max-connections", "300"), None, 300, id="max-connections"),
    ],
)
def test_past_its_connection_bound_the_server_closes_the_longest_waiting_connection(
    tmp_path: Path,
    stalled_sockets: list[socket.socket],
    flags: tuple[str, ...],
    file_limit: tuple[int, int] | None,
    bound: int,
) -> None:
    """With 1,024 open files at most (or ``--max-connections``), the server cannot hold 1,100
    connections: each new one past the bound closes the one that has waited longest for its
    request head, so the newest, ``/health``, is answered."""
    env = serve_env(tmp_path)
    with ramsts_command(tmp_path, "serve", *flags, env=env, file_limit=file_limit) as served:
        stalled_sockets += stall(served.port, STALLED)

        answered = [healthy(served.port) for _ in range(3)]
        held = still_open(stalled_sockets)
        closed = closed_by_server(stalled_sockets, CLOSE_TIMEOUT)

    assert all(answered)
    assert held <= bound
    assert closed == STALLED


def test_at_its_bound_the_server_makes_room_from_requests_whose_body_does_not_come(
    tmp_path: Path, stalled_sockets: list[socket.socket]
) -> None:
    """A body may take its time (the header timeout is for heads), but a request whose body
    trickles holds its place only until a newcomer needs it, and cannot keep the server from
    stopping."""
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nAction="
    env = serve_env(tmp_path)
    file_limit = (TYPICAL_SOFT_LIMIT,) * 2
    with ramsts_command(tmp_path, "serve", env=env, file_limit=file_limit) as served:
        for _ in range(STALLED):
            sock = socket.create_connection(("127.0.0.1", served.port))
            stalled_sockets.append(sock)
            with contextlib.suppress(OSError):  # refused at once: still_open() counts it
                sock.sendall(head)

        answered = [healthy(served.port) for _ in range(3)]
        held = still_open(stalled_sockets)

    assert all(answered)
    assert 0 < held <= TYPICAL_SOFT_LIMIT
    # It stopped on SIGTERM by itself (uvicorn ends by raising the signal again), not killed.
    assert served.process.returncode in (0, -signal.SIGTERM)


HEAD_LIMIT = 256 * 1024
"""The largest request head a front door reads (docs/deploy.md)."""


def _answer_to(port: int, head: bytes) -> bytes:
    """What the server sends back to ``head`` before it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_a_request_head_past_256_kib_is_refused_with_431_and_a_large_one_below_is_served(
    tmp_path: Path,
) -> None:
    """A fast client cannot fill the server's memory with one endless header before the header
    timeout; the largest heads the SDKs send (a SAML assertion in the query) still pass."""
    start = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Padding: "
    saml = (
        b"GET /?Format=JSON&Version=2015-04-01&Action=AssumeRoleWithSAML&SAMLAssertion="
        + b"PHNhbWxwOlJlc3BvbnNl" * 7_000  # 140,000 characters: past the parser's 64 KiB
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    with ramsts_command(tmp_path, "serve", env=serve_env(tmp_path)) as served:
        large = _answer_to(served.port, start + b"a" * 200_000 + b"\r\n\r\n")
        long_query = _answer_to(served.port, saml)
        too_large = _answer_to(served.port, start + b"a" * (HEAD_LIMIT + 1 - len(start)))

    assert large.startswith(b"HTTP/1.1 200 ")
    # The action read the query: it asks for the next parameter the assertion comes with.
    assert long_query.startswith(b"HTTP/1.1 400 ")
    assert b"MissingParameter.SAMLProviderArn" in long_query
    assert too_large.startswith(b"HTTP/1.1 431 ")
    assert too_large.endswith(b"Request header fields too large.")


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        (["--header-timeout", "0"], "InvalidParameter.HeaderTimeout"),
        (["--header-timeout", "nan"], "InvalidParameter.HeaderTimeout"),
        (["--header-timeout", "601"], "InvalidParameter.HeaderTimeout"),
        (["--max-connections", "0"], "InvalidParameter.MaxConnections"),
    ],
)
def test_a_header_timeout_or_connection_bound_out_of_range_stops_the_server_at_start(
    flags: list[str], code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *flags]) == 3
    assert capsys.readouterr().err.startswith(f"{code}: ")


def test_the_variables_are_read_as_numbers_or_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RAMSTS_HEADER_TIMEOUT", "five")
    assert main(["serve"]) == 3
    assert (
        "RAMSTS_HEADER_TIMEOUT must be a number of seconds, not 'five'." in capsys.readouterr().err
    )


def test_over_tls_a_stalled_connection_is_closed_after_the_header_timeout() -> None:
    """``ramsts.testing`` over https: the header timeout frees the socket at once, without
    waiting for the TLS close that a stalled client never answers."""
    with ramsts_server(tls=True) as server:
        assert server.ca_file is not None
        context = ssl.create_default_context(cafile=server.ca_file)
        raw = socket.create_connection(("127.0.0.1", server.port))
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as stalled:
            stalled.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            stalled.settimeout(CLOSE_TIMEOUT)
            try:
                ended = stalled.recv(4096) == b""
            except (ConnectionError, ssl.SSLError):
                ended = True

    assert ended
