"""Authentication of every API call: who signed this request, and is it fresh (api.md §2.4, §4).

The HTTP layer parses the request (:func:`ramsts.signing.parse_request`), finds the action, and
hands both to :meth:`Authenticator.authenticate`, which runs, in this order:

1. anonymous requests: allowed only for actions registered anonymous (AssumeRoleWithOIDC/SAML);
2. the timestamp window (±15 minutes) — cheap, before any lookup;
3. the AccessKeyId: a long-term key resolves to its account's root or a RAM user and must be
   Active; an ``STS.`` key needs its SecurityToken, which the key ring opens, whose role must
   still exist and whose session must not have been revoked;
4. the signature, with the secret found in 3;
5. the nonce, once per AccessKeyId within the window, through the store so that it holds across
   processes (after the signature, so that forged requests cannot burn someone's nonces).

The result is a :class:`~ramsts.caller.Caller` with the request's condition keys in ``context``.

Steps 1–4 are :meth:`Authenticator.verify` and step 5 is :meth:`Authenticator.spend_nonce`;
:meth:`Authenticator.authenticate` does both. It is one path wherever it runs: in loop work
(:mod:`ramsts.loop_work`) a cache that needs filling fills in a worker thread and the nonce is
spent with the loop's batch, the loop serving other requests meanwhile; in a thread both block.

Speed: resolving a key and unsealing its secret cost a query and an AES-GCM decryption, so the
result is cached per process (:mod:`ramsts.caching`) for at most :data:`MAX_CACHE_TTL` (1 s). A
key disabled or deleted (or a role deleted or its sessions revoked) therefore stops working
within one second in every worker, at once in the process that changed it, and at once in every
process on PostgreSQL, whose notification invalidates the account's entries. Nothing here
writes a key's last use: the audit trail records every call with its AccessKeyId, and
GetAccessKeyLastUsed reads it there.

Every cache here is keyed by what a request names, so each is bounded (:data:`KEYS_KEPT`,
:data:`ROLE_STATES_KEPT`): an AccessKeyId that names no key is never kept, and a stream of
made-up ones costs lookups, not memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from ramsts.authentication.access_key_secrets import unseal_access_key_secret
from ramsts.caching import Caches
from ramsts.caller import Caller
from ramsts.config import MAX_CACHE_MAX_AGE
from ramsts.crypto import STS_ACCESS_KEY_ID_PREFIX, MasterKey
from ramsts.errors import AuthenticationError
from ramsts.signing import TIMESTAMP_WINDOW, SignedRequest, check_timestamp, verify_signature
from ramsts.signing.timestamps import format_timestamp
from ramsts.store import AccessKeyOwner, Role, Store
from ramsts.tokens import KeyRing, SessionClaims, UnknownTokenKeyError
from ramsts.types import Clock, Secret, system_clock

MAX_CACHE_TTL = 1.0
"""Seconds, by default, a resolved key or role stays cached: the longest a revocation can take to
apply where changes are not notified (SQLite). A server takes ``RAMSTS_CACHE_MAX_AGE``."""

KEYS_KEPT = 10_000
"""Resolved long-term AccessKeys (owner and unsealed secret) one process keeps at most."""

ROLE_STATES_KEPT = 10_000
"""Roles of temporary credentials (whether they exist, when their sessions were revoked) one
process keeps at most."""

_NONCE_KEPT_PAST_WINDOW = TIMESTAMP_WINDOW + timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class Connection:
    """What the server knows about the connection a request came on."""

    peer_ip: str
    """The client's address, ``acs:SourceIp``: the TCP peer, or, from a proxy the operator
    trusts, the address that proxy forwarded (:mod:`ramsts.ram.client_address`)."""
    secure: bool
    user_agent: str = ""


class RequestAuthenticator(Protocol):
    """:class:`Authenticator` as the HTTP endpoint and the guard use it (a test may pass a fake)."""

    def authenticate(
        self, request: SignedRequest, connection: Connection, *, anonymous_allowed: bool
    ) -> Caller | None: ...


class KeyRingSource(Protocol):
    """The token key ring as the store holds it; ``reload`` after meeting an unknown key id
    (another process may have rotated a moment ago)."""

    def current(self) -> KeyRing: ...

    def reload(self) -> KeyRing: ...


@dataclass(frozen=True, slots=True)
class Verified:
    """A request whose credentials and signature hold, its nonce not yet spent."""

    caller: Caller | None
    """``None`` for an allowed anonymous request."""
    nonce_key: str | None
    """What the nonce ledger records (the nonce scoped to its AccessKeyId); ``None`` when an
    anonymous request sent no nonce."""
    nonce_kept_until: datetime
    """When the recorded nonce may be forgotten: the request's own time has left the window by
    then, so the timestamp check refuses a replay anyway."""


@dataclass(frozen=True, slots=True)
class _ResolvedKey:
    owner: AccessKeyOwner
    secret: Secret


@dataclass(frozen=True, slots=True)
class _RoleState:
    role: Role | None

    @property
    def exists(self) -> bool:
        return self.role is not None

    @property
    def sessions_not_before(self) -> datetime | None:
        return None if self.role is None else self.role.sessions_not_before


class Authenticator:
    """Thread-safe; share one per process."""

    def __init__(
        self,
        store: Store,
        master_key: MasterKey,
        key_ring: KeyRingSource,
        *,
        clock: Clock = system_clock,
        cache_ttl: float = MAX_CACHE_TTL,
        monotonic: Callable[[], float] = time.monotonic,
        caches: Caches | None = None,
    ) -> None:
        """``caches``: the process's (whose refresh-ahead reloads keys and roles in use before
        they expire, and whose invalidations reach them); without it, caches of its own."""
        if not 0 <= cache_ttl <= MAX_CACHE_MAX_AGE:
            raise ValueError(
                f"the credential cache TTL must be between 0 and {MAX_CACHE_MAX_AGE} s"
            )
        caches = caches or Caches()
        self._store = store
        self._master_key = master_key
        self._key_ring = key_ring
        self._clock = clock
        # A lost race between two loads only costs one extra lookup.
        self._keys = caches.cache(
            "access_keys",
            limit=KEYS_KEPT,
            max_age=cache_ttl,
            scope=_account_of_key,
            refreshed=True,
            monotonic=monotonic,
        )
        self._roles = caches.cache(
            "role_states",
            limit=ROLE_STATES_KEPT,
            max_age=cache_ttl,
            scope=_account_of_role,
            refreshed=True,
            monotonic=monotonic,
        )

    def authenticate(
        self, request: SignedRequest, connection: Connection, *, anonymous_allowed: bool
    ) -> Caller | None:
        """The caller of ``request``, or ``None`` for an allowed anonymous request: verified,
        and its nonce spent.

        Raises the gateway's :class:`AuthenticationError` codes (api.md §8.5).
        """
        verified = self.verify(request, connection, anonymous_allowed=anonymous_allowed)
        self.spend_nonce(verified)
        return verified.caller

    def verify(
        self, request: SignedRequest, connection: Connection, *, anonymous_allowed: bool
    ) -> Verified:
        """Everything but the nonce: timestamp, credentials, signature. Reaches the store only
        to fill its caches."""
        now = self._clock()
        if request.scheme == "anonymous":
            if not anonymous_allowed:
                raise AuthenticationError(
                    "MissingAccessKeyId", "AccessKeyId is mandatory for this action."
                )
            check_timestamp(request, now)
            nonce = f"anonymous:{request.nonce}" if request.nonce else None
            return Verified(None, nonce, _nonce_kept_until(request, now))

        check_timestamp(request, now)
        access_key_id = request.access_key_id or ""
        nonce = f"{access_key_id}:{request.nonce}"
        if access_key_id.startswith(STS_ACCESS_KEY_ID_PREFIX):
            claims = self._open_session(request, access_key_id, now)
            verify_signature(request, claims.access_key_secret)
            context = _context(request, connection, now, mfa_present=claims.mfa_present)
            return Verified(claims.caller(context), nonce, _nonce_kept_until(request, now))

        resolved = self._resolve_key(access_key_id)
        verify_signature(request, resolved.secret)
        caller = _long_term_caller(
            resolved.owner, _context(request, connection, now, mfa_present=False)
        )
        return Verified(caller, nonce, _nonce_kept_until(request, now))

    def spend_nonce(self, verified: Verified) -> None:
        """Record the request's nonce; ``SignatureNonceUsed`` if it was recorded before."""
        if verified.nonce_key is not None and not self._store.use_nonce(
            verified.nonce_key, verified.nonce_kept_until
        ):
            raise _nonce_used()

    def cache_sizes(self) -> dict[str, int]:
        """How many entries each cache holds now: ``keys`` (at most :data:`KEYS_KEPT`) and
        ``role_states`` (:data:`ROLE_STATES_KEPT`)."""
        return {"keys": len(self._keys), "role_states": len(self._roles)}

    # -- long-term keys ---------------------------------------------------------------------

    def _resolve_key(self, access_key_id: str) -> _ResolvedKey:
        cached = self._keys.get(access_key_id, self._load_key)
        if cached.owner.key.status != "Active":
            raise AuthenticationError(
                "InvalidAccessKeyId.Inactive", "Specified access key is disabled."
            )
        return cached

    def _load_key(self, access_key_id: str) -> _ResolvedKey:
        owner = self._store.resolve_access_key(access_key_id)
        if owner is None:
            self._keys.discard(access_key_id)
            raise AuthenticationError(
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
                http_status=404,
            )
        return _ResolvedKey(owner, unseal_access_key_secret(self._master_key, owner.key))

    # -- temporary credentials ----------------------------------------------------------------

    def _open_session(
        self, request: SignedRequest, access_key_id: str, now: datetime
    ) -> SessionClaims:
        token = request.security_token
        if not token:
            raise AuthenticationError(
                "MissingSecurityToken", "SecurityToken is mandatory for this action."
            )
        try:
            claims = self._key_ring.current().open(token, now)
        except UnknownTokenKeyError:
            claims = self._key_ring.reload().open(token, now)
        claims.check_access_key(access_key_id)
        role = self._role_state(claims.role_id)
        if not role.exists:
            raise AuthenticationError(
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired: the role it was issued for no longer exists.",
            )
        if role.sessions_not_before is not None and claims.issued_at < role.sessions_not_before:
            raise AuthenticationError(
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired: the sessions of its role were revoked.",
            )
        return claims

    def _role_state(self, role_id: str) -> _RoleState:
        return self._roles.get(role_id, self._load_role_state)

    def _load_role_state(self, role_id: str) -> _RoleState:
        with self._store.read() as tx:
            return _RoleState(tx.roles.get_by_id(role_id))


def _account_of_key(_: str, resolved: _ResolvedKey) -> str:
    return resolved.owner.account.account_id


def _account_of_role(_: str, state: _RoleState) -> str | None:
    return None if state.role is None else state.role.account_id


def _nonce_kept_until(request: SignedRequest, now: datetime) -> datetime:
    # Whole seconds, at least one past the window: the nonces of a second then share one
    # expiry, which the store converts once for them all.
    anchor = max(request.timestamp or now, now).replace(microsecond=0)
    return anchor + _NONCE_KEPT_PAST_WINDOW


# Every request of a second formats the same instant.
_format_second = lru_cache(maxsize=4)(format_timestamp)


def _nonce_used() -> AuthenticationError:
    return AuthenticationError("SignatureNonceUsed", "Specified signature nonce was used already.")


def _context(
    request: SignedRequest, connection: Connection, now: datetime, *, mfa_present: bool
) -> dict[str, str]:
    """The global condition keys of a request (policy-language §3.1)."""
    return {
        "acs:SourceIp": connection.peer_ip,
        "acs:SecureTransport": "true" if connection.secure else "false",
        "acs:CurrentTime": _format_second(now.replace(microsecond=0)),
        "acs:UserAgent": connection.user_agent,
        "acs:AccessId": request.access_key_id or "",
        "acs:MFAPresent": "true" if mfa_present else "false",
    }


def _long_term_caller(owner: AccessKeyOwner, context: dict[str, str]) -> Caller:
    account = owner.account
    if owner.user is None:
        return Caller(
            account_id=account.account_id,
            identity_type="Account",
            arn=account.root_arn,
            principal_id=account.account_id,
            access_key_id=owner.key.access_key_id,
            display_name=account.account_id,
            context=context,
        )
    user = owner.user
    return Caller(
        account_id=account.account_id,
        identity_type="RAMUser",
        arn=user.arn,
        principal_id=user.user_id,
        access_key_id=owner.key.access_key_id,
        display_name=user.user_name,
        user_id=user.user_id,
        user_name=user.user_name,
        context=context,
    )
