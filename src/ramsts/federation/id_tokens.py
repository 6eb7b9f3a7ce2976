"""An OIDC ID token verified against the provider that is to vouch for it.

The checks, in order, each with the real service's code (all 401 ``AuthenticationFail``):

1. a JWT of three parts, 4 to 20,000 characters, whose header and claims decode
   (``OIDCToken.Invalid``);
2. signed with an asymmetric algorithm (RS*, PS*, ES*, EdDSA): ``none`` and the HMAC ones are
   refused before any key is looked at, so a token "signed" with a public key as an HMAC secret
   gets nowhere (``OIDCToken.Invalid``);
3. ``iss`` is the provider's IssuerUrl, character for character (``OIDCToken.IssuerNotMatch``),
   checked before anything is fetched, so tokens of other issuers cost no fetch;
4. the signature checks with the issuer's key of the header's ``kid``, of the same algorithm
   family, fetched as :mod:`ramsts.federation.issuer_keys` says (``OIDCToken.InvalidSignature``,
   ``OIDCToken.PublicKeyFingerprintMismatch``, ``OIDCToken.HttpsUrlInvalid``);
5. ``exp`` is not past and ``iat`` is no older than the provider's IssuanceLimitTime
   (``OIDCToken.Expired``); ``iat`` and ``nbf`` are not in the future (``OIDCToken.Invalid``),
   each within :data:`CLOCK_SKEW` seconds;
6. ``aud`` (a string or a list) names one of the provider's client ids
   (``OIDCToken.AudienceNotMatch``); ``sub`` is a string (``OIDCToken.Invalid``).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from ramsts.errors import AuthenticationFail
from ramsts.federation.issuer_keys import IssuerKeys
from ramsts.store import OidcProvider

MIN_LENGTH, MAX_LENGTH = 4, 20_000
CLOCK_SKEW = 60
"""Seconds the IdP's clock may be ahead of or behind ramsts'."""
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}

_JWS = jwt.PyJWS()
"""PyJWT's algorithms check the signature with the issuer's key. The token's two JSON parts are
decoded here, once, and its claims checked here, against the service's clock and with the real
service's codes (PyJWT's own decoding checks each character in Python and costs three times the
RSA verification)."""
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _segment(text: str) -> bytes:
    """One base64url part of a JWS (no padding, nothing but its alphabet)."""
    if _BASE64URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class IdToken:
    """What a verified token says, as OIDCTokenInfo and the ``oidc:*`` condition keys show it."""

    issuer: str
    subject: str
    audiences: tuple[str, ...]
    issued_at: int
    expires_at: int


def verify_id_token(token: str, provider: OidcProvider, keys: IssuerKeys, now: datetime) -> IdToken:
    header, claims = _decoded(token)
    algorithm = header.get("alg")
    if algorithm not in ASYMMETRIC:
        raise _invalid(
            f"The JWT header's algorithm {_shown(algorithm)} is not accepted: only asymmetric"
            " signatures (RS*, PS*, ES*, EdDSA) are."
        )
    issuer = claims.get("iss")
    if issuer != provider.issuer_url:
        raise AuthenticationFail(
            "OIDCToken.IssuerNotMatch",
            f"The token's issuer (iss) {_shown(issuer)} is not the OIDC provider's IssuerUrl"
            f" {provider.issuer_url}.",
        )
    key_id = header.get("kid")
    key = keys.key(
        provider.issuer_url, key_id if isinstance(key_id, str) else None, provider.fingerprints
    )
    _check_key_fits(key, algorithm)
    head, body, signature = token.split(".")
    try:
        verified = _JWS.get_algorithm_by_name(algorithm).verify(
            f"{head}.{body}".encode("ascii"), key.key, _segment(signature)
        )
    except (ValueError, TypeError, jwt.PyJWTError):
        verified = False
    if not verified:
        raise AuthenticationFail(
            "OIDCToken.InvalidSignature", "OIDC token validate failed: invalid signature."
        )
    return _checked_claims(claims, provider, int(now.astimezone(UTC).timestamp()))


def _decoded(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if not token:
        raise _invalid("The OIDCToken can not be empty.")
    if not MIN_LENGTH <= len(token) <= MAX_LENGTH:
        raise _invalid(f"The OIDCToken must be {MIN_LENGTH} to {MAX_LENGTH} characters long.")
    if token.count(".") != 2:
        raise _invalid("The OIDCToken must be a JWT: three parts separated by '.'.")
    head, body, signature = token.split(".")
    try:
        header, claims = json.loads(_segment(head)), json.loads(_segment(body))
        _segment(signature)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("The OIDCToken's header or claims are not base64url-encoded JSON.") from None
    if not isinstance(header, dict):
        raise _invalid("The OIDCToken's header is not a JSON object.")
    if not isinstance(claims, dict):
        raise _invalid("The OIDCToken's claims are not a JSON object.")
    return header, claims


def _check_key_fits(key: jwt.PyJWK, algorithm: str) -> None:
    """The key must be of the header's algorithm family, and of that very algorithm when the
    JWK names one: a key is never used with an algorithm its owner did not mean it for."""
    wanted = _KEY_TYPES[algorithm[:2]]
    named = key._jwk_data.get("alg")
    if key.key_type != wanted or (named is not None and named != algorithm):
        raise AuthenticationFail(
            "OIDCToken.InvalidSignature",
            f"OIDC token validate failed: the issuer's key {key.key_id} is not a key for"
            f" {algorithm}.",
        )


def _checked_claims(claims: dict[str, Any], provider: OidcProvider, now: int) -> IdToken:
    expires_at, issued_at = claims.get("exp"), claims.get("iat")
    if not _is_time(expires_at) or not _is_time(issued_at):
        raise _invalid("The OIDC token must carry the times exp and iat as numbers.")
    assert isinstance(expires_at, int | float) and isinstance(issued_at, int | float)
    if now > expires_at + CLOCK_SKEW:
        raise AuthenticationFail("OIDCToken.Expired", "This JsonWebToken is expired.")
    if issued_at > now + CLOCK_SKEW:
        raise _invalid("The OIDC token was issued in the future (iat).")
    not_before = claims.get("nbf")
    if not_before is not None and (not _is_time(not_before) or not_before > now + CLOCK_SKEW):
        raise _invalid("The OIDC token is not valid yet (nbf).")
    limit_hours = provider.issuance_limit_time
    if now - issued_at > limit_hours * 3600 + CLOCK_SKEW:
        raise AuthenticationFail(
            "OIDCToken.Expired",
            f"This JsonWebToken was issued (iat) more than {limit_hours} hours ago, the OIDC"
            " provider's IssuanceLimitTime.",
        )
    audiences = _audiences(claims.get("aud"))
    if not set(audiences) & set(provider.client_ids):
        raise AuthenticationFail(
            "OIDCToken.AudienceNotMatch",
            "Invalid audience: the token's aud names none of the OIDC provider's ClientIds.",
        )
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _invalid("The OIDC token names no subject (sub).")
    return IdToken(
        issuer=provider.issuer_url,
        subject=subject,
        audiences=audiences,
        issued_at=int(issued_at),
        expires_at=int(expires_at),
    )


def _audiences(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _invalid("The OIDC token's audience (aud) must be a string or a list of strings.")


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _invalid(message: str) -> AuthenticationFail:
    return AuthenticationFail("OIDCToken.Invalid", message)


def _shown(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 64 else text[:64] + "…")
