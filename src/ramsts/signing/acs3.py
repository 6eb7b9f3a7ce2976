"""Signature V3, ACS3-HMAC-SHA256: HMAC-SHA256 over the hash of a CanonicalRequest (api.md §3.2).

::

    CanonicalRequest = HTTPMethod "\\n" CanonicalURI "\\n" CanonicalQueryString "\\n"
                       CanonicalHeaders "\\n" SignedHeaders "\\n" HashedPayload
    StringToSign     = "ACS3-HMAC-SHA256" "\\n" hex(SHA256(CanonicalRequest))
    Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))     # no "&" suffix

The CanonicalURI of these RPC-style APIs is ``/``. CanonicalHeaders has one ``name:value\\n``
line per entry of SignedHeaders, so a blank line follows it. The headers are the client's list:
the Tea SDK signs ``accept``, ``user-agent`` and ``x-acs-credentials-provider`` too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from ramsts.signing.encoding import percent_encode
from ramsts.signing.hmac_keys import hmac_digest
from ramsts.types import Secret

ALGORITHM = "ACS3-HMAC-SHA256"
CANONICAL_URI = "/"


def hashed_payload(body: bytes) -> str:
    """Lower-case hex SHA-256 of the body: the value of ``x-acs-content-sha256``."""
    return hashlib.sha256(body).hexdigest()


def canonical_query_string(query: Mapping[str, str]) -> str:
    """Query parameters sorted by name, ``name=value`` RFC-3986-encoded, joined by ``&``.

    The Tea SDK leaves names unencoded; encoding them changes nothing for the ASCII names of
    these APIs and keeps a name holding ``=`` or ``&`` from posing as two parameters.
    """
    return "&".join(
        f"{percent_encode(name)}={percent_encode(query[name])}" for name in sorted(query)
    )


def canonical_headers(headers: Mapping[str, str], signed_headers: Sequence[str]) -> str:
    """One ``name:value\\n`` line per signed header, in SignedHeaders order."""
    return "".join(f"{name}:{headers[name]}\n" for name in signed_headers)


def canonical_request(
    method: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """The CanonicalRequest; ``headers`` maps lower-cased names to trimmed values."""
    return "\n".join(
        (
            method,
            CANONICAL_URI,
            canonical_query_string(query),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        )
    )


def string_to_sign(canonical: str) -> str:
    """``ACS3-HMAC-SHA256`` and the hex SHA-256 of the CanonicalRequest, on two lines."""
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def compute_signature(text: str, secret: Secret) -> str:
    """Lower-case hex HMAC-SHA256 of a StringToSign, keyed with the AccessKeySecret alone."""
    return hmac_digest(secret.reveal().encode(), text.encode(), "sha256").hex()
