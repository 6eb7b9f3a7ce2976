"""An HTTP/1.1 load generator for the API benchmarks.

It sends a list of requests prepared (and signed) before the timed phase, each exactly once unless
`repeat` is set, over `concurrency` keep-alive connections without pipelining: a connection sends
its next request when the previous response is complete. Two modes:

* closed loop (no `rate`): each connection sends as fast as the server answers, which measures
  the maximum rate;
* open loop (`rate` requests per second): request i is due at start + i / rate, whichever
  connection is free sends it, and its latency counts from when it was due, so a server that falls
  behind is charged for the queue it causes (no coordinated omission).

A run stops after `total` requests, after `duration` seconds, or when the list runs out. Responses
are parsed with httptools (the C parser uvicorn uses) on uvloop when installed. The result gives
req/s, latency percentiles, the status histogram and `errors`: requests that got no HTTP response
(refused or reset connection, timeout, unparsable reply). The command line sends one repeated
request, for trying a server by hand:

    python bench/loadgen.py http://127.0.0.1:8000/ -c 64 -n 20000
    python bench/loadgen.py http://127.0.0.1:8000/ -c 64 -d 10 --half-rate
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

import httptools

try:
    import uvloop
except ImportError:  # the plain asyncio loop works, only slower
    uvloop = None


@dataclass(frozen=True)
class HttpRequest:
    """One request to send; `target` is the path with its query string."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


def encode_request(request: HttpRequest, host: str) -> bytes:
    """The request's bytes on the wire, with Host and Content-Length added when missing."""
    names = {name.lower() for name, _ in request.headers}
    headers = list(request.headers)
    if "host" not in names:
        headers.insert(0, ("Host", host))
    if "content-length" not in names and (request.body or request.method in ("POST", "PUT")):
        headers.append(("Content-Length", str(len(request.body))))
    head = f"{request.method} {request.target} HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers)
    return (head + "\r\n").encode("latin-1") + request.body


@dataclass
class LoadResult:
    """What one run measured. Latencies are in nanoseconds, one per response."""

    concurrency: int
    offered_rate: float | None
    sent: int = 0
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ns: list[int] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def completed(self) -> int:
        return len(self.latencies_ns)

    @property
    def rate(self) -> float:
        """Responses per second over the run."""
        return self.completed / self.elapsed_s if self.elapsed_s else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_ns:
            return 0.0
        ordered = sorted(self.latencies_ns)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] / 1e6

    def to_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "offered_rate": self.offered_rate,
            "sent": self.sent,
            "completed": self.completed,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "elapsed_s": self.elapsed_s,
            "rate": self.rate,
            "p50_ms": self.percentile_ms(0.50),
            "p90_ms": self.percentile_ms(0.90),
            "p99_ms": self.percentile_ms(0.99),
            "max_ms": self.percentile_ms(1.0),
        }

    def format(self) -> str:
        offered = f", offered {self.offered_rate:,.0f}/s" if self.offered_rate else ""
        statuses = " ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items())) or "none"
        return (
            f"{self.completed:,} responses in {self.elapsed_s:.2f} s = {self.rate:,.0f} req/s "
            f"(c={self.concurrency}{offered}); p50 {self.percentile_ms(0.5):.2f} ms, "
            f"p99 {self.percentile_ms(0.99):.2f} ms, max {self.percentile_ms(1.0):.2f} ms; "
            f"errors {self.errors}; statuses {statuses}"
        )


class _Connection(asyncio.Protocol):
    """One keep-alive client connection carrying one request at a time."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._response: asyncio.Future[tuple[int, bool]] | None = None
        self.open = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.open = True

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ConnectionError(f"unparsable response: {exc}"))
            self.close()

    def on_message_complete(self) -> None:
        if self._response is not None and not self._response.done():
            status = self._parser.get_status_code()
            self._response.set_result((status, self._parser.should_keep_alive()))

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self._fail(ConnectionError("connection closed before the response was complete"))

    def _fail(self, exc: Exception) -> None:
        if self._response is not None and not self._response.done():
            self._response.set_exception(exc)

    async def exchange(self, payload: bytes, timeout: float) -> tuple[int, bool]:
        """Send one request; return its status and whether the connection stays open."""
        if self._transport is None or not self.open:
            raise ConnectionError("connection is closed")
        loop = asyncio.get_running_loop()
        self._response = loop.create_future()
        expiry = loop.call_later(timeout, self._fail, TimeoutError("no response in time"))
        self._transport.write(payload)
        try:
            return await self._response
        finally:
            expiry.cancel()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self.open = False


class _Run:
    """The shared state of one run: which request is next, and what came back."""

    def __init__(
        self,
        payloads: Sequence[bytes],
        total: int,
        duration: float | None,
        rate: float | None,
        result: LoadResult,
    ) -> None:
        self.payloads = payloads
        self.total = total
        self.rate = rate
        self.result = result
        self.next_index = 0
        self.start_ns = time.perf_counter_ns()
        self.deadline_ns = (
            self.start_ns + int(duration * 1e9) if duration is not None else sys.maxsize
        )

    def take(self) -> tuple[int, int] | None:
        """The next request's index and when it is due (ns), or None when the run is over."""
        index = self.next_index
        now = time.perf_counter_ns()
        due = self.start_ns + int(index * 1e9 / self.rate) if self.rate else now
        if index >= self.total or due >= self.deadline_ns or now >= self.deadline_ns:
            return None
        self.next_index += 1
        return index, due


async def _worker(run: _Run, host: str, port: int, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    connection: _Connection | None = None
    payloads, result = run.payloads, run.result
    try:
        while (task := run.take()) is not None:
            index, due = task
            delay_ns = due - time.perf_counter_ns()
            if delay_ns > 0:
                await asyncio.sleep(delay_ns / 1e9)
            result.sent += 1
            # Open loop: latency counts from when the request was due, queueing included.
            began = due if run.rate else time.perf_counter_ns()
            try:
                if connection is None or not connection.open:
                    _, connection = await asyncio.wait_for(
                        loop.create_connection(_Connection, host, port), timeout
                    )
                status, keep_alive = await connection.exchange(
                    payloads[index % len(payloads)], timeout
                )
            except (OSError, TimeoutError):
                result.errors += 1
                if connection is not None:
                    connection.close()
                    connection = None
                continue
            result.latencies_ns.append(time.perf_counter_ns() - began)
            result.statuses[status] += 1
            if not keep_alive:
                connection.close()
    finally:
        if connection is not None:
            connection.close()


async def load(
    url: str,
    requests: Sequence[bytes | HttpRequest],
    *,
    concurrency: int = 32,
    total: int | None = None,
    duration: float | None = None,
    rate: float | None = None,
    timeout: float = 10.0,
    repeat: bool = False,
) -> LoadResult:
    """Send `requests` to the server at `url` (scheme http, host, port) and measure.

    `total` defaults to the number of requests; with `repeat` the list is cycled, so `total` or
    `duration` bounds the run. Requests are sent in list order.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"only http://host:port URLs are supported, got {url!r}")
    host, port = parts.hostname, parts.port or 80
    netloc = parts.netloc
    payloads = [r if isinstance(r, bytes) else encode_request(r, netloc) for r in requests]
    if not payloads:
        raise ValueError("no requests to send")
    if total is None:
        total = len(payloads) if not repeat or duration is None else sys.maxsize
    if not repeat and total > len(payloads):
        raise ValueError(f"{total} requests asked for but only {len(payloads)} prepared")
    result = LoadResult(concurrency=concurrency, offered_rate=rate)
    run = _Run(payloads, total, duration, rate, result)
    await asyncio.gather(*(_worker(run, host, port, timeout) for _ in range(concurrency)))
    result.elapsed_s = (time.perf_counter_ns() - run.start_ns) / 1e9
    return result


def run_load(url: str, requests: Sequence[bytes | HttpRequest], **options: Any) -> LoadResult:
    """`load` on a fresh event loop (uvloop when installed), for synchronous callers."""
    factory = uvloop.new_event_loop if uvloop is not None else None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(load(url, requests, **options))


def max_then_half(
    url: str,
    make_requests: Callable[[int], Sequence[bytes | HttpRequest]],
    *,
    concurrency: int = 32,
    count: int = 10_000,
    timeout: float = 10.0,
) -> tuple[LoadResult, LoadResult]:
    """Measure the maximum rate (closed loop), then latency at half that rate (open loop).

    `make_requests(n)` builds n fresh requests (fresh nonces) for each phase; the second phase
    sends `count // 2` requests so that both phases last about as long.
    """
    peak = run_load(url, make_requests(count), concurrency=concurrency, timeout=timeout)
    half = peak.rate / 2
    steady = run_load(
        url, make_requests(count // 2), concurrency=concurrency, rate=half, timeout=timeout
    )
    return peak, steady


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Send one repeated HTTP request and measure.")
    parser.add_argument("url", help="http://host:port/path?query")
    parser.add_argument("-c", "--concurrency", type=int, default=32)
    parser.add_argument("-n", "--requests", type=int, help="number of requests (default 10,000)")
    parser.add_argument("-d", "--duration", type=float, help="seconds to run instead of -n")
    parser.add_argument("--rate", type=float, help="offered rate, requests per second")
    parser.add_argument(
        "--half-rate", action="store_true", help="measure the maximum, then p99 at half of it"
    )
    parser.add_argument("-X", "--method", default="GET")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--body", default="", help="request body")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    parts = urlsplit(args.url)
    headers = tuple(
        (name.strip(), value.strip()) for name, value in (h.split(":", 1) for h in args.header)
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = HttpRequest(args.method, target, headers, args.body.encode())
    total = args.requests or (None if args.duration else 10_000)
    options = {"concurrency": args.concurrency, "timeout": args.timeout}
    if args.half_rate:
        results = max_then_half(args.url, lambda n: [request] * n, count=total or 10_000, **options)
    else:
        bounds = {"total": total, "duration": args.duration, "rate": args.rate}
        results = (run_load(args.url, [request], repeat=True, **bounds, **options),)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for result in results:
            print(result.format())
    return int(any(r.errors for r in results))


if __name__ == "__main__":
    sys.exit(main())
