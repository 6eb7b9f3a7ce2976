"""An OIDC issuer's signing keys, as AssumeRoleWithOIDC needs them.

For an issuer URL ``https://idp.example.com/path`` the keys come from OpenID discovery: its
``/.well-known/openid-configuration`` names a ``jwks_uri`` (https too), whose JSON Web Key Set
PyJWT reads. Both fetches:

* go over https only, checked against the system's trust store or, when the server is given one
  (``RAMSTS_OIDC_CA_FILE``), that CA bundle instead;
* are bounded: :data:`FETCH_TIMEOUT` seconds per connection step (the name's lookup included,
  which the system's resolver would not bound), :data:`MAX_DOCUMENT_BYTES` per answer, no
  redirects. An issuer that is down or slow makes the call fail with
  ``AuthenticationFail.OIDCToken.HttpsUrlInvalid`` within the timeout, and that failure is
  answered at once for :data:`FAILURE_BACKOFF` seconds, so a dead IdP never ties up the worker
  threads;
* never run on the event loop: like a query, a fetch from loop work goes to a worker thread
  (:func:`ramsts.loop_work.off_loop`), the issuer's lock taken there.

The certificates the issuer's server presented for the discovery document (its verified chain,
leaf to root) are remembered with the keys. A token is accepted only when the provider lists the
SHA-1 fingerprint of one of them (``AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch``
otherwise), checked on every call, so a fingerprint removed from the provider is in force at once.

Keys are kept for :data:`KEYS_TTL` seconds (reloaded in the background before then, when the
:class:`~ramsts.caching.Caches` given has a refresh-ahead). A token naming a key id the set does
not hold makes the set be fetched again — an IdP that rotated its keys is followed without a
restart — but at most once per :data:`UNKNOWN_KEY_REFETCH_INTERVAL` per issuer, so forged key ids
cannot make ramsts hammer the IdP. At most :data:`ISSUERS_KEPT` issuers are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt

from ramsts.caching import Cache, Caches
from ramsts.errors import AuthenticationFail
from ramsts.loop_work import off_loop

FETCH_TIMEOUT = 5.0
"""Seconds each step of a fetch (connecting, the TLS handshake, each read) may take."""
MAX_DOCUMENT_BYTES = 1 << 20
KEYS_TTL = 3600.0
UNKNOWN_KEY_REFETCH_INTERVAL = 10.0
FAILURE_BACKOFF = 5.0
ISSUERS_KEPT = 1000
ISSUER_KEPT_FOR = 24 * 3600.0
"""Seconds an issuer met is remembered (its keys are fetched again after :data:`KEYS_TTL`
anyway): an issuer no longer used is forgotten."""
DISCOVERY_PATH = "/.well-known/openid-configuration"

Fetch = Callable[[str], "Fetched"]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A JSON document and the SHA-1 fingerprints of the certificates its server presented."""

    document: dict[str, Any]
    fingerprints: frozenset[str]


@dataclass(slots=True)
class _Issuer:
    keys: dict[str, jwt.PyJWK] = field(default_factory=dict)
    fingerprints: frozenset[str] = frozenset()
    fetched_at: float | None = None
    failure: AuthenticationFail | None = None
    failed_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class IssuerKeys:
    """Signing keys of the issuers this process has met. Thread-safe; one per process."""

    def __init__(
        self,
        *,
        ca_file: Path | None = None,
        timeout: float = FETCH_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
        caches: Caches | None = None,
        fetch: Fetch | None = None,
    ) -> None:
        """``caches``: the process's, whose refresh-ahead (if any) fetches keys in use again
        before :data:`KEYS_TTL`."""
        caches = caches or Caches()
        self._fetch = fetch or HttpsFetcher(ca_file=ca_file, timeout=timeout)
        self._monotonic = monotonic
        self._refresh = caches.refresh
        # Not store data, so no account scope: an issuer's keys are the same for every account.
        self._issuers: Cache[str, _Issuer] = caches.cache(
            "oidc_issuers", limit=ISSUERS_KEPT, max_age=ISSUER_KEPT_FOR, monotonic=monotonic
        )
        self._lock = threading.Lock()

    def key(self, issuer_url: str, key_id: str | None, fingerprints: Iterable[str]) -> jwt.PyJWK:
        """The issuer's key ``key_id`` (the token header's ``kid``; ``None`` only names the key
        of a set that holds one), once its server showed a certificate of ``fingerprints``."""
        issuer = self._issuer(issuer_url)
        now = self._monotonic()
        if issuer.fetched_at is None or now - issuer.fetched_at >= KEYS_TTL:
            self._load(issuer_url, issuer, now)
        elif _find(issuer, key_id) is None:
            if now - issuer.fetched_at >= UNKNOWN_KEY_REFETCH_INTERVAL:
                self._load(issuer_url, issuer, now)
        elif self._refresh is not None and self._refresh.due(now - issuer.fetched_at, KEYS_TTL):
            self._refresh.reload(("oidc-keys", issuer_url), lambda: self._reload(issuer_url))
        _check_fingerprints(issuer, fingerprints, issuer_url)
        found = _find(issuer, key_id)
        if found is None:
            raise AuthenticationFail(
                "OIDCToken.InvalidSignature",
                f"OIDC token validate failed: the issuer {issuer_url} publishes no signing key"
                f" {json.dumps(key_id) if key_id is not None else 'without a kid'}.",
            )
        return found

    def forget(self, issuer_url: str) -> None:
        self._issuers.discard(issuer_url)

    def _issuer(self, issuer_url: str) -> _Issuer:
        found = self._issuers.peek(issuer_url)
        if found is not None:
            return found
        with self._lock:
            found = self._issuers.peek(issuer_url)
            if found is None:
                found = _Issuer()
                self._issuers.put(issuer_url, found)
            return found

    def _load(self, issuer_url: str, issuer: _Issuer, now: float) -> None:
        if issuer.failure is not None and now - issuer.failed_at < FAILURE_BACKOFF:
            raise issuer.failure
        # A fetch blocks as a query does: off the event loop, the lock held in the worker thread
        # (held across a wait on the loop, it could stop the loop: see ramsts.loop_work).
        off_loop(self._fetch_unless_fetched, issuer_url, issuer, now)

    def _fetch_unless_fetched(self, issuer_url: str, issuer: _Issuer, now: float) -> None:
        with issuer.lock:
            if issuer.fetched_at is not None and issuer.fetched_at >= now:
                return  # another thread fetched while this one waited
            if (
                issuer.failure is not None
                and self._monotonic() - issuer.failed_at < FAILURE_BACKOFF
            ):
                raise issuer.failure
            self._fetch_into(issuer_url, issuer)

    def _reload(self, issuer_url: str) -> None:
        issuer = self._issuer(issuer_url)
        # The keys in hand stay until their TTL; the next miss will say what failed.
        with issuer.lock, contextlib.suppress(AuthenticationFail):
            self._fetch_into(issuer_url, issuer)

    def _fetch_into(self, issuer_url: str, issuer: _Issuer) -> None:
        try:
            keys, fingerprints = self._discover(issuer_url)
        except AuthenticationFail as failure:
            issuer.failure, issuer.failed_at = failure, self._monotonic()
            raise
        issuer.keys, issuer.fingerprints = keys, fingerprints
        issuer.failure, issuer.fetched_at = None, self._monotonic()

    def _discover(self, issuer_url: str) -> tuple[dict[str, jwt.PyJWK], frozenset[str]]:
        discovery_url = issuer_url.rstrip("/") + DISCOVERY_PATH
        discovered = self._fetch(discovery_url)
        jwks_uri = discovered.document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or urlsplit(jwks_uri).scheme != "https":
            raise _unreachable(discovery_url, "it names no https jwks_uri")
        key_set = self._fetch(jwks_uri).document
        try:
            keys = jwt.PyJWKSet.from_dict(key_set).keys
        except jwt.PyJWKSetError as error:
            raise _unreachable(jwks_uri, f"it holds no usable signing key ({error})") from None
        usable = {key.key_id or "": key for key in keys if _signs(key)}
        return usable, discovered.fingerprints


def _signs(key: jwt.PyJWK) -> bool:
    """Whether a key may check signatures: not one marked for encryption only."""
    return bool(key._jwk_data.get("use", "sig") == "sig")


def _find(issuer: _Issuer, key_id: str | None) -> jwt.PyJWK | None:
    if key_id is not None:
        return issuer.keys.get(key_id)
    return next(iter(issuer.keys.values())) if len(issuer.keys) == 1 else None


def _check_fingerprints(issuer: _Issuer, fingerprints: Iterable[str], issuer_url: str) -> None:
    wanted = {fingerprint.lower() for fingerprint in fingerprints}
    if not wanted & issuer.fingerprints:
        raise AuthenticationFail(
            "OIDCToken.PublicKeyFingerprintMismatch",
            f"No certificate the server of {issuer_url} presented has a SHA-1 fingerprint that"
            " the OIDC provider lists (Fingerprints).",
        )


def _unreachable(url: str, why: str) -> AuthenticationFail:
    return AuthenticationFail(
        "OIDCToken.HttpsUrlInvalid", f"Could not read the OIDC issuer's {url}: {why}."
    )


Resolve = Callable[[str, int], list[tuple[str, int]]]
"""The addresses to try for a host and port, in order."""

_resolving = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ramsts-issuer-dns")
"""Where issuers' names are looked up: the system's resolver takes no timeout, so a lookup that
hangs holds one of these threads, never the request, which gives up after the fetch timeout."""


def system_addresses(host: str, port: int) -> list[tuple[str, int]]:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [(str(info[4][0]), port) for info in found]


class _ResolvedHttpsConnection(http.client.HTTPSConnection):
    """Connects to an address resolved beforehand, checking the certificate for the URL's host."""

    def __init__(
        self,
        host: str,
        addresses: list[tuple[str, int]],
        *,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(host, addresses[0][1], timeout=timeout, context=context)
        self._addresses = addresses
        self._tls_context = context

    def connect(self) -> None:
        failure: OSError | None = None
        for address in self._addresses:
            try:
                sock = socket.create_connection(address, self.timeout)
            except OSError as error:
                failure = error
                continue
            try:
                self.sock = self._tls_context.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
            return
        raise failure or OSError(f"no address for {self.host}")


class HttpsFetcher:
    """GET a JSON document over https, remembering the server's verified certificate chain."""

    def __init__(
        self,
        *,
        ca_file: Path | None = None,
        timeout: float = FETCH_TIMEOUT,
        resolve: Resolve = system_addresses,
    ) -> None:
        # A CA file of one's own is read at once, so that a wrong one fails at start-up; the
        # system's trust store (70 ms to load) only when an issuer is first fetched.
        self._tls = None if ca_file is None else ssl.create_default_context(cafile=str(ca_file))
        self._timeout = timeout
        self._resolve = resolve

    def _addresses(self, url: str, host: str, port: int) -> list[tuple[str, int]]:
        lookup = _resolving.submit(self._resolve, host, port)
        try:
            addresses = lookup.result(timeout=self._timeout)
        except FutureTimeout:
            raise _unreachable(
                url, f"its name {host} did not resolve within {self._timeout:g} seconds"
            ) from None
        except OSError as error:
            raise _unreachable(url, f"its name {host} does not resolve ({error})") from None
        if not addresses:
            raise _unreachable(url, f"its name {host} has no address")
        return addresses

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def __call__(self, url: str) -> Fetched:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise _unreachable(url, "it is not an https URL")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        addresses = self._addresses(url, parts.hostname, parts.port or 443)
        connection = _ResolvedHttpsConnection(
            parts.hostname, addresses, timeout=self._timeout, context=self._context()
        )
        try:
            connection.connect()
            fingerprints = _chain_fingerprints(connection.sock)
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            body = response.read(MAX_DOCUMENT_BYTES + 1)
        except ssl.SSLCertVerificationError as error:
            raise _unreachable(
                url, f"its certificate chain is not trusted ({error.verify_message})"
            ) from None
        except TimeoutError:
            raise _unreachable(url, f"no answer within {self._timeout:g} seconds") from None
        except (OSError, http.client.HTTPException) as error:
            raise _unreachable(url, f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
        if response.status != 200:
            raise _unreachable(url, f"it answered HTTP {response.status}")
        if len(body) > MAX_DOCUMENT_BYTES:
            raise _unreachable(url, f"its answer is longer than {MAX_DOCUMENT_BYTES} bytes")
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _unreachable(url, "its answer is not JSON") from None
        if not isinstance(document, dict):
            raise _unreachable(url, "its answer is not a JSON object")
        return Fetched(document, fingerprints)


def _chain_fingerprints(sock: Any) -> frozenset[str]:
    """SHA-1 of each certificate of the verified chain (leaf to trusted root).

    ``SSLSocket.get_verified_chain`` is public from Python 3.13; before, the same method sits on
    the socket's ``_sslobj``. Without either, the leaf alone.
    """
    chain_of = getattr(sock, "get_verified_chain", None) or getattr(
        getattr(sock, "_sslobj", None), "get_verified_chain", None
    )
    if chain_of is None:
        return frozenset({_sha1(sock.getpeercert(binary_form=True))})
    return frozenset(_sha1(_der(certificate)) for certificate in chain_of())


def _sha1(der: bytes) -> str:
    # SHA-1 is the real service's fingerprint; it names a certificate the chain's own signatures
    # were already verified for, so a collision would not let an unverified one through.
    return hashlib.sha1(der).hexdigest()  # noqa: S324


def _der(certificate: Any) -> bytes:
    if isinstance(certificate, bytes):
        return certificate
    return bytes(certificate.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
