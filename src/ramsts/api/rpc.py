"""The one RPC endpoint every product shares: ``GET /`` and ``POST /`` (api.md §0).

For each request: read it as received → parse it (:func:`ramsts.signing.parse_request`) → find
the action by (Version, Action) → authenticate → run the handler → render. It is a plain ASGI
application: every request of every SDK comes through here, and a router's per-request work
(matching, a Request object, a Response object, two middleware layers) would cost more than
verifying the signature.

Where the work runs: a request's work, from authentication to the handler's answer, is one
synchronous function (:meth:`RpcEndpoint._serve`), run on the event loop in a greenlet of its own
(:func:`ramsts.loop_work.run_on_loop`). It leaves the loop only where it would wait:

* A cache that needs filling (a key, a role, a principal's policies) fills in a worker thread
  (:func:`ramsts.loop_work.off_loop`), and the work goes on with the value: a cold cache costs
  one hop to a thread, and nothing is run twice.
* The nonce is spent with the other nonces of the loop's turn (:meth:`ramsts.store.Store.
  use_nonce`): one statement for many requests instead of a commit each, and on SQLite far fewer
  turns at the write lock the workers contend for.
* A throttled action (``--throttle``) is counted against its caller's account once the request
  is authenticated (:mod:`ramsts.throttling`: in memory, merged through the store by a thread),
  and the answered request is counted in the metrics after its response is sent.
* Actions registered ``cached`` (AssumeRole, GetCallerIdentity, VerifyRequest), which reach the
  store only through caches and the nonce ledger, run their handler on the loop too. Every other
  action reads and writes the database, so its handler runs in a small worker-thread pool of
  this module's own (:data:`SYNC_THREADS` threads shared by every endpoint of the process, which
  also fill the caches; handing work to a plain executor costs half as much as Starlette's, and
  a few threads are enough while the database answers in well under a millisecond).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send

from ramsts.api.actions import ActionTable, RegisteredAction
from ramsts.api.errors import DEFAULT_HOST_ID, render_error, render_unexpected
from ramsts.api.formats import (
    RenderedResponse,
    ResponseFormat,
    default_format,
    render_body,
    response_format,
)
from ramsts.api.incoming import (
    IncomingRequest,
    read_body,
    request_head,
    requested_format,
    requested_version,
)
from ramsts.audit import AuditRecorder, Call, EventSource, Outcome
from ramsts.authentication import Connection, RequestAuthenticator
from ramsts.caller import Caller
from ramsts.errors import (
    GatewayError,
    InternalError,
    InvalidParameter,
    RamstsError,
    ServiceUnavailable,
)
from ramsts.loop_work import off_loop, run_on_loop
from ramsts.metrics import UNKNOWN, Metrics
from ramsts.products import Product
from ramsts.redaction import redact_params
from ramsts.request_ids import current_request_id, new_request_id
from ramsts.signing import SignedRequest, parse_request
from ramsts.throttling import Throttle

logger = logging.getLogger("ramsts.api")

REQUEST_ID_HEADER = "x-acs-request-id"

SYNC_THREADS = 8
"""Threads per process running authentication and actions. Each holds at most two database
connections at a time; the SQLite pool keeps that many open (see :mod:`ramsts.store.engine`)."""

_sync_work = ThreadPoolExecutor(max_workers=SYNC_THREADS, thread_name_prefix="ramsts-rpc")


class ApiServices(Protocol):
    """What the HTTP layer needs from the composition root."""

    @property
    def actions(self) -> ActionTable: ...

    @property
    def authenticator(self) -> RequestAuthenticator: ...

    @property
    def metrics(self) -> Metrics | None: ...

    @property
    def throttle(self) -> Throttle | None: ...

    @property
    def audit(self) -> AuditRecorder | None: ...


class RpcEndpoint:
    """The ASGI application answering ``/``."""

    def __init__(self, services: ApiServices) -> None:
        self._actions = services.actions
        self._authenticator = services.authenticator
        self._metrics = services.metrics
        self._throttle = services.throttle
        self._audit = services.audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_request_id()
        current_request_id.set(request_id)  # for log lines of this request (its task's own)
        started = time.perf_counter()
        code = "OK"
        incoming: IncomingRequest | None = None
        signed: SignedRequest | None = None
        action: RegisteredAction | None = None
        call: Call | None = None
        try:
            incoming = request_head(scope)
            if scope["method"] not in ("GET", "POST"):
                raise GatewayError(
                    "UnsupportedHTTPMethod", "This HTTP method is not supported.", http_status=403
                )
            incoming = await read_body(incoming, receive)
            signed = parse_request(
                incoming.method, incoming.raw_query, incoming.headers, incoming.body
            )
            connection = Connection(
                peer_ip=incoming.peer_ip,
                secure=incoming.secure,
                user_agent=signed.headers.get("user-agent", ""),
            )
            if self._audit is not None:
                call = _audited_call(signed, connection, request_id, self._actions)
                self._audit.check_room()
            action = self._actions.resolve(signed.version, signed.action)
            fmt = _requested_format(signed, incoming)
            work = partial(self._serve, action, signed, connection, call)
            body = await run_on_loop(work, _sync_work)
            if call is not None and self._audit is not None:
                self._audit.finish(call, Outcome(response=body))
            response = RenderedResponse(
                200,
                fmt.content_type,
                render_body({"RequestId": request_id, **body}, fmt, root=f"{action.name}Response"),
            )
        except RamstsError as error:
            code = error.code
            self._record_refusal(call, error)
            shape = self._error_shape(incoming, signed, action)
            response = render_error(error, request_id=request_id, **shape)
        except Exception as exc:
            code = "InternalError"
            self._record_refusal(call, None)
            shape = self._error_shape(incoming, signed, action)
            response = render_unexpected(exc, request_id=request_id, **shape)
        await send_response(send, response, request_id)
        if self._metrics is not None:
            self._metrics.record_request(
                action.product.code if action is not None else UNKNOWN,
                action.name if action is not None else UNKNOWN,
                code,
                time.perf_counter() - started,
            )
        _log_access(request_id, signed, action, response.status, started)

    def _serve(
        self,
        action: RegisteredAction,
        signed: SignedRequest,
        connection: Connection,
        call: Call | None,
    ) -> dict[str, Any]:
        """The request's work, from authentication to the handler's answer: on the loop, the
        handler of an action not registered ``cached`` in a worker thread."""
        caller = self._authenticator.authenticate(
            signed, connection, anonymous_allowed=action.anonymous
        )
        if call is not None:
            call.caller = caller
        if self._throttle is not None and caller is not None:
            self._throttle.admit(caller.account_id, action.product.code, action.name)
        if call is None or self._audit is None:
            return self._handle(action, caller, signed)
        with self._audit.recording(call):
            return self._handle(action, caller, signed)

    @staticmethod
    def _handle(
        action: RegisteredAction, caller: Caller | None, signed: SignedRequest
    ) -> dict[str, Any]:
        if action.cached:
            return action.handler(caller, signed.params)
        return off_loop(action.handler, caller, signed.params)

    def _record_refusal(self, call: Call | None, error: RamstsError | None) -> None:
        """Queue the event of a call that failed (an unexpected error as ``InternalError``),
        unless the failure is the audit trail's own: a full queue can take no more."""
        if call is None or self._audit is None:
            return
        outcome = (
            Outcome(error_code="InternalError", error_message=InternalError.GENERIC_MESSAGE)
            if error is None
            else Outcome(error_code=error.code, error_message=error.message)
        )
        try:
            self._audit.finish(call, outcome)
        except ServiceUnavailable:
            logger.warning("audit queue full: the refusal %s is not recorded", call.request_id)

    def _error_shape(
        self,
        incoming: IncomingRequest | None,
        signed: SignedRequest | None,
        action: RegisteredAction | None,
    ) -> dict[str, Any]:
        """Format, HostId and product of an error response, from however far the request got."""
        is_v3 = _is_v3(signed, incoming)
        if signed is not None:
            requested = signed.params.get("Format")
        elif incoming is not None:
            requested = requested_format(
                incoming.raw_query, incoming.body, incoming.header("content-type")
            )
        else:
            requested = None
        product = action.product if action is not None else None
        if product is None and signed is not None:
            product = self._actions.product(signed.version)
        if product is None and incoming is not None:
            version = requested_version(incoming)
            product = self._actions.product(version) if version else None
        host = incoming.header("host") if incoming is not None else None
        return {
            "fmt": response_format(requested, is_v3=is_v3) or default_format(is_v3=is_v3),
            # Without a product, the host the client called, as the gateway names itself.
            "host_id": product.host_id if product else _host_name(host) or DEFAULT_HOST_ID,
            "product_code": product.code if product else None,
        }


def _is_v3(signed: SignedRequest | None, incoming: IncomingRequest | None) -> bool:
    """A V3 request, signed or not: it names its action in a header."""
    if signed is not None and signed.scheme == "v3":
        return True
    return incoming is not None and incoming.header("x-acs-action") is not None


def _requested_format(signed: SignedRequest, incoming: IncomingRequest) -> ResponseFormat:
    requested = signed.params.get("Format")
    fmt = response_format(requested, is_v3=_is_v3(signed, incoming))
    if fmt is None:
        raise InvalidParameter("Format", f"The parameter Format {requested!r} must be JSON or XML.")
    return fmt


def _host_name(host: str | None) -> str | None:
    """``127.0.0.1`` of a Host header ``127.0.0.1:8080`` (``[::1]:8080`` → ``::1``)."""
    if not host:
        return None
    try:
        return urlsplit(f"//{host}").hostname
    except ValueError:  # a Host header no URL could hold names nothing
        return None


async def send_response(send: Send, response: RenderedResponse, request_id: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [
                (b"content-type", response.content_type.encode("latin-1")),
                (b"content-length", str(len(response.body)).encode("latin-1")),
                (REQUEST_ID_HEADER.encode("latin-1"), request_id.encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def _audited_call(
    signed: SignedRequest, connection: Connection, request_id: str, actions: ActionTable
) -> Call:
    """The call to record, from the request as parsed (its action perhaps not served)."""
    product = actions.product(signed.version) if signed.version else None
    return Call(
        source=_event_source(product),
        event_name=signed.action or "",
        event_type="ApiCall",
        request_id=request_id,
        source_ip=connection.peer_ip,
        user_agent=connection.user_agent,
        parameters=signed.params,
        api_version=signed.version,
        access_key_id=signed.access_key_id,
    )


@lru_cache(maxsize=16)  # one per product, and one for none
def _event_source(product: Product | None) -> EventSource:
    if product is None:
        return EventSource("unknown", "Unknown")
    return EventSource(product.host_id, product.code)


def _log_access(
    request_id: str,
    signed: SignedRequest | None,
    action: RegisteredAction | None,
    status: int,
    started: float,
) -> None:
    """One line per request. Parameters only at DEBUG, and then with credentials redacted. The
    fields also travel as the record's attributes, for the JSON log format
    (:mod:`ramsts.cli.log_format`)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    elapsed_ms = (time.perf_counter() - started) * 1000
    name = action.name if action else (signed.action if signed else "-")
    version = signed.version if signed else "-"
    access_key_id = signed.access_key_id if signed and signed.access_key_id else "-"
    logger.info(
        "%s %s %s %s %d %.1fms",
        request_id,
        version,
        name,
        access_key_id,
        status,
        elapsed_ms,
        extra={
            "request_id": request_id,
            "product": action.product.code if action else None,
            "version": version,
            "action": name,
            "access_key_id": access_key_id,
            "status": status,
            "latency_ms": round(elapsed_ms, 3),
        },
    )
    if signed is not None and logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s params %s", request_id, _params_text(signed.params))


def _params_text(params: Mapping[str, str]) -> str:
    return " ".join(f"{name}={value!r}" for name, value in redact_params(params).items())
