"""KeyRing: mints SecurityTokens with its current key and opens tokens of any key it holds.

A SecurityToken is ``CAIS`` followed by the URL-safe base64 of::

    version:u8  key_id_length:u8  key_id  nonce:12 bytes  AES-256-GCM(payload) with its 16-byte tag

The header (``CAIS``, version, key id) is the associated data, so every byte of the token is
authenticated: any change, truncation or extension opens as ``InvalidSecurityToken.Malformed``.
The payload is padded so those bytes are a multiple of three: the base64 then has no ``=`` and no
spare bits, so each token has exactly one spelling and a changed character cannot decode to the
same bytes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ramsts.errors import AuthenticationError
from ramsts.tokens.claims import SessionClaims
from ramsts.tokens.keys import TokenKey
from ramsts.tokens.payload import PayloadError, decode_claims, encode_claims
from ramsts.types import Clock, system_clock

TOKEN_PREFIX = "CAIS"  # noqa: S105 (a format marker, like the real tokens' first bytes)
TOKEN_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
# Far above any token this code mints (a 2 KiB session policy included); a bound keeps a
# hostile header from costing more than a length check.
MAX_TOKEN_CHARS = 16 * 1024
OPENED_TOKENS_KEPT = 4096
"""Tokens a ring remembers having opened (see :meth:`KeyRing.open`)."""

_PREFIX_BYTES = TOKEN_PREFIX.encode("ascii")
# URL-safe base64 to the standard alphabet for the strict decoder; the standard alphabet's own
# "+" and "/" become invalid, so only the URL-safe spelling of a token decodes.
_FROM_URLSAFE = bytes.maketrans(b"-_+/=", b"+/!!!")
_MALFORMED_MESSAGE = "Specified SecurityToken is malformed."


class MalformedTokenError(AuthenticationError):
    """``InvalidSecurityToken.Malformed``: the token is not one this ring minted, or was changed."""

    def __init__(self) -> None:
        super().__init__("InvalidSecurityToken.Malformed", _MALFORMED_MESSAGE)


class UnknownTokenKeyError(MalformedTokenError):
    """A well-formed token names a key this ring does not hold.

    Clients see it as ``Malformed``; a server may first reload its ring from the store and try
    again, since another process may have rotated the key a moment ago.
    """

    def __init__(self, key_id: str) -> None:
        super().__init__()
        self.key_id = key_id


class ExpiredTokenError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")


class KeyRing:
    """Token keys by id; the ``current`` one mints. Immutable: changes return a new ring."""

    __slots__ = ("_aeads", "_clock", "_current", "_keys", "_opened")

    def __init__(
        self, keys: Iterable[TokenKey], current: str, *, clock: Clock = system_clock
    ) -> None:
        by_id: dict[str, TokenKey] = {}
        for key in keys:
            if key.key_id in by_id:
                raise ValueError(f"the key ring holds key id {key.key_id!r} twice")
            by_id[key.key_id] = key
        if current not in by_id:
            raise ValueError(f"the current key {current!r} is not in the key ring")
        self._keys = by_id
        self._current = by_id[current]
        self._clock = clock
        # One AESGCM per key, built once: opening a token then costs one decrypt, not a key setup.
        self._aeads = {
            key_id.encode("ascii"): AESGCM(key.material) for key_id, key in by_id.items()
        }
        # Pure memoisation, not store data (a token's claims are a function of the token and of
        # this ring's keys, their own expiry checked at every use), on the path of every role
        # session's request: a plain OrderedDict lookup, half the cost of a ramsts.caching.Cache
        # or an lru_cache. Oldest first; get, set and popitem are each atomic under the GIL.
        self._opened: OrderedDict[str, SessionClaims] = OrderedDict()

    @property
    def current(self) -> TokenKey:
        return self._current

    @property
    def keys(self) -> tuple[TokenKey, ...]:
        return tuple(self._keys.values())

    def mint(self, claims: SessionClaims) -> str:
        """A SecurityToken carrying ``claims``, encrypted under the current key."""
        key_id = self._current.key_id.encode("ascii")
        header = bytes((TOKEN_VERSION, len(key_id))) + key_id
        nonce = os.urandom(NONCE_BYTES)
        payload = encode_claims(claims, framing_bytes=len(header) + NONCE_BYTES + TAG_BYTES)
        sealed = self._aeads[key_id].encrypt(nonce, payload, _PREFIX_BYTES + header)
        return TOKEN_PREFIX + base64.urlsafe_b64encode(header + nonce + sealed).decode("ascii")

    def open(self, token: str, now: datetime | None = None) -> SessionClaims:
        """The claims of a token this ring minted, once authenticated and checked for expiry.

        Raises ``InvalidSecurityToken.Malformed`` for anything not minted by a key of this ring
        exactly as presented, and ``InvalidSecurityToken.Expired`` from ``expires_at`` on.

        A role session presents the same token with every request, so the ring remembers the
        claims of the last :data:`OPENED_TOKENS_KEPT` tokens it opened, keyed by the whole token:
        each token has exactly one spelling, so only the very text that was authenticated
        matches, and a changed one is decrypted (and refused) afresh. Expiry is checked on every
        call. The memory lives as long as this ring, whose keys it depends on.
        """
        claims = self._opened.get(token)
        if claims is None:
            claims = self._unseal(token)
            self._opened[token] = claims
            if len(self._opened) > OPENED_TOKENS_KEPT:
                with contextlib.suppress(KeyError):  # another thread emptied it first
                    self._opened.popitem(last=False)
        if (now or self._clock()) >= claims.expires_at:
            raise ExpiredTokenError()
        return claims

    def _unseal(self, token: str) -> SessionClaims:
        """Authenticate and decrypt ``token``; its claims, expired or not."""
        if len(token) > MAX_TOKEN_CHARS or not token.startswith(TOKEN_PREFIX):
            raise MalformedTokenError()
        try:
            body = token[len(TOKEN_PREFIX) :].encode("ascii").translate(_FROM_URLSAFE)
            raw = binascii.a2b_base64(body, strict_mode=True)
        except (binascii.Error, UnicodeEncodeError):
            raise MalformedTokenError() from None
        if len(body) % 4:
            raise MalformedTokenError()
        if len(raw) < 2 or raw[0] != TOKEN_VERSION:
            raise MalformedTokenError()
        header_end = 2 + raw[1]
        aead = self._aeads.get(raw[2:header_end])
        if aead is None:
            raise UnknownTokenKeyError(raw[2:header_end].decode("ascii", "replace"))
        sealed_from = header_end + NONCE_BYTES
        if len(raw) < sealed_from + TAG_BYTES:
            raise MalformedTokenError()
        try:
            payload = aead.decrypt(
                raw[header_end:sealed_from], raw[sealed_from:], _PREFIX_BYTES + raw[:header_end]
            )
            return decode_claims(payload)
        except (InvalidTag, PayloadError):
            raise MalformedTokenError() from None

    def with_key(self, key: TokenKey) -> KeyRing:
        """This ring plus ``key``, which opens tokens but does not mint yet.

        Rolling a new key out to every server before any of them mints with it means no server
        ever meets a token of a key it has not loaded.
        """
        return KeyRing([*self._keys.values(), key], self._current.key_id, clock=self._clock)

    def promoted(self, key_id: str) -> KeyRing:
        """This ring with ``key_id`` as the key that mints."""
        return KeyRing(self._keys.values(), key_id, clock=self._clock)

    def rotated(self, new_key: TokenKey) -> KeyRing:
        """``new_key`` mints from now on; every older key still opens the tokens it minted."""
        return self.with_key(new_key).promoted(new_key.key_id)

    def without(self, key_id: str) -> KeyRing:
        """This ring with a retired key dropped (once every token it minted has expired)."""
        if key_id == self._current.key_id:
            raise ValueError(f"the current key {key_id!r} cannot be dropped; rotate first")
        if key_id not in self._keys:
            raise ValueError(f"the key ring has no key {key_id!r}")
        remaining = [key for key in self._keys.values() if key.key_id != key_id]
        return KeyRing(remaining, self._current.key_id, clock=self._clock)

    def __repr__(self) -> str:
        return f"KeyRing(keys={list(self._keys)!r}, current={self._current.key_id!r})"
