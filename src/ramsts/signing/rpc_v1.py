"""RPC signature v1: HMAC-SHA1 over the sorted, percent-encoded parameters (api.md §2.3).

::

    CanonicalizedQueryString = join("&", percentEncode(name) "=" percentEncode(value)
                                     for every parameter but Signature, sorted by name)
    StringToSign = HTTPMethod "&" percentEncode("/") "&" percentEncode(CanonicalizedQueryString)
    Signature    = Base64(HMAC-SHA1(AccessKeySecret "&", StringToSign))

Every received parameter is signed, empty ones (``SignatureType=``) and unknown ones
(``RegionId``) included. The StringToSign never holds a raw colon, since everything after the
method is percent-encoded: the ``SignatureDoesNotMatch`` message relies on that.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from ramsts.signing.encoding import percent_encode, percent_encode_query
from ramsts.signing.hmac_keys import hmac_digest
from ramsts.types import Secret

_ENCODED_PATH = percent_encode("/")


def canonicalized_query_string(params: Mapping[str, str], *, plus_for_space: bool = False) -> str:
    """Names and values RFC-3986-encoded, sorted by name in code-point order.

    ``plus_for_space`` builds the alibabacloud-credentials variant, which encodes a space as
    ``+`` (api.md §3.6).
    """
    # Names are unique, so sorting the pairs compares names only.
    pairs = sorted(params.items())
    joined = "&".join(map("=".join, pairs))
    if joined.count("=") == len(pairs) and joined.count("&") == len(pairs) - 1:
        # No name or value holds "=" or "&", so encoding the joined text in one pass, those two
        # kept as they are, equals encoding each name and value: one call, not one per item.
        canonical = percent_encode_query(joined)
    else:
        canonical = "&".join(
            f"{percent_encode(name)}={percent_encode(value)}" for name, value in pairs
        )
    # Every "%" of the encoding starts an escape ("%" itself is "%25"), so "%20" is a space.
    return canonical.replace("%20", "+") if plus_for_space else canonical


def string_to_sign(method: str, params: Mapping[str, str], *, plus_for_space: bool = False) -> str:
    """The v1 StringToSign of a request with these parameters (``Signature`` excluded)."""
    canonical = canonicalized_query_string(params, plus_for_space=plus_for_space)
    return f"{method}&{_ENCODED_PATH}&{encode_canonicalized_query_string(canonical)}"


def encode_canonicalized_query_string(canonical: str) -> str:
    """``percent_encode(canonical)``, knowing what a CanonicalizedQueryString can hold.

    Its names and values are already encoded, so besides unreserved characters it has only
    ``%`` (escapes), ``=``, ``&`` and, in the ``+``-for-space variant, ``+``: replacing those
    four (``%`` first) is the whole encoding.
    """
    return canonical.replace("%", "%25").replace("&", "%26").replace("=", "%3D").replace("+", "%2B")


def compute_signature(text: str, secret: Secret) -> str:
    """Base64 HMAC-SHA1 of a StringToSign, keyed with the AccessKeySecret plus ``&``."""
    key = f"{secret.reveal()}&".encode()
    return base64.b64encode(hmac_digest(key, text.encode(), "sha1")).decode("ascii")


def has_space(params: Mapping[str, str]) -> bool:
    """Whether the ``+``-for-space variant differs from the standard StringToSign at all."""
    return any(" " in value or " " in name for name, value in params.items())
