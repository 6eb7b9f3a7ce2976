"""Percent-encoding and form decoding, the two text transforms every signature rests on.

Two directions, two rule sets (api.md §0.3, §2.2):

* **Decoding** what arrived uses *form* semantics: ``+`` is a space, ``%XY`` a byte, the bytes are
  UTF-8. The Tea SDKs put spaces on the wire as ``+`` and the classic SDK as ``%20``; both must
  decode to the same parameter.
* **Encoding** for a string to sign uses strict RFC 3986: the unreserved characters
  ``A-Z a-z 0-9 - _ . ~`` stay, every other UTF-8 byte becomes ``%XY`` (upper-case hex), so a space
  is ``%20`` and ``*`` is ``%2A``.

The one sanctioned deviation is the alibabacloud-credentials variant of the v1 StringToSign, which
signs a space as ``+`` (api.md §3.6; :func:`ramsts.signing.rpc_v1.canonicalized_query_string`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

UNRESERVED = string.ascii_letters + string.digits + "-_.~"
"""RFC 3986 §2.3: the characters that percent-encoding leaves as they are."""

_PERCENT_ENCODED = tuple(
    chr(byte) if chr(byte) in UNRESERVED else f"%{byte:02X}" for byte in range(256)
)
"""What each byte becomes, indexed by the byte: a ``str.translate`` table for text whose code
points are bytes (ASCII text, or UTF-8 bytes decoded as Latin-1)."""

_CHARACTER_TO_ESCAPE = re.compile(r"[^A-Za-z0-9_.~-]")

_QUERY_ENCODED = tuple(
    chr(byte) if chr(byte) in "&=" else encoded for byte, encoded in enumerate(_PERCENT_ENCODED)
)


def percent_encode(text: str) -> str:
    """RFC 3986 percent-encoding of the UTF-8 bytes of ``text`` (api.md §2.2).

    The same as ``urllib.parse.quote(text, safe="-_.~")``, done in C: text made only of
    unreserved characters is returned as it is (most names and values of a request), and other
    text is translated byte by byte through a 256-entry table.
    """
    if (text.isascii() and text.isalnum()) or _CHARACTER_TO_ESCAPE.search(text) is None:
        return text
    if not text.isascii():
        # One code point per UTF-8 byte, so that the table sees bytes.
        text = text.encode("utf-8").decode("latin-1")
    return text.translate(_PERCENT_ENCODED)


def percent_encode_query(text: str) -> str:
    """:func:`percent_encode`, except that ``=`` and ``&`` stay: for the text of joined names and
    values that hold neither themselves."""
    # No search first: on a long text (a SecurityToken's) scanning for a character to escape
    # costs more than translating the whole text through the table.
    if not text.isascii():
        text = text.encode("utf-8").decode("latin-1")
    return text.translate(_QUERY_ENCODED)


def wire_text(raw: str | bytes) -> str:
    """The ASCII text of a query string or form body as it came off the wire.

    ``raw`` is either the bytes themselves or their Latin-1 decoding, which is what ASGI servers
    hand over. Stray non-ASCII bytes (a client that did not percent-encode UTF-8) are escaped so
    that form decoding reads them back as the UTF-8 the client sent.
    """
    if isinstance(raw, str):
        if raw.isascii():
            return raw
        try:
            data = raw.encode("latin-1")
        except UnicodeEncodeError:
            data = raw.encode("utf-8")
    else:
        if raw.isascii():
            return raw.decode("ascii")
        data = raw
    return "".join(chr(byte) if byte < 0x80 else f"%{byte:02X}" for byte in data)


_HEX_DIGITS = "0123456789abcdefABCDEF"
_ESCAPED = {high + low: chr(int(high + low, 16)) for high in _HEX_DIGITS for low in _HEX_DIGITS}
"""What each two-digit escape (any case) stands for, as one code point per byte."""


def _form_unquote(text: str) -> str:
    # ``text`` is ASCII (see wire_text), so decoding escapes to one code point per byte, then
    # reading those bytes as UTF-8, is exact: ``unquote_to_bytes`` does the same at twice the
    # cost. A "%" not followed by two hex digits stays as it is. Bytes that are not valid UTF-8
    # become U+FFFD: such a value can never match what a client signed, so the request fails
    # verification rather than the parser.
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    first, *rest = text.split("%")
    pieces = [first]
    for piece in rest:
        byte = _ESCAPED.get(piece[:2])
        if byte is None:
            pieces.append("%" + piece)
        else:
            pieces.append(byte + piece[2:])
    decoded = "".join(pieces)
    return decoded if decoded.isascii() else decoded.encode("latin-1").decode("utf-8", "replace")


def decode_form(text: str) -> dict[str, str]:
    """Decode ``application/x-www-form-urlencoded`` text (a query string or a form body).

    Empty values are kept (``SignatureType=`` is signed by the classic SDK, api.md §0.4); a field
    without ``=`` is a name with an empty value. When a name repeats, the last value wins: the
    signature is then computed over exactly the parameters the action will read.
    """
    params: dict[str, str] = {}
    if not text:
        return params
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        # Most names and values hold neither; testing here spares them a call.
        if "%" in name or "+" in name:
            name = _form_unquote(name)
        if "%" in value or "+" in value:
            value = _form_unquote(value)
        params[name] = value
    return params


def encode_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """Build a query string (or form body) with RFC 3986 encoding of names and values."""
    pairs = params.items() if isinstance(params, Mapping) else params
    return "&".join(f"{percent_encode(name)}={percent_encode(value)}" for name, value in pairs)
