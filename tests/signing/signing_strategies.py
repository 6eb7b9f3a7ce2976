"""Hypothesis strategies shared by the signing property tests: parameters as hostile as the wire
allows (unicode, spaces, ``+``, ``*``, ``~``, ``/``, empty values)."""

from __future__ import annotations

from urllib.parse import quote_plus

from hypothesis import strategies as st

from ramsts.signing.encoding import decode_form

PROTOCOL_NAMES = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
        "AccessKeyId",
        "SecurityToken",
    }
)

_TRICKY = st.sampled_from(["", " ", "+", "*", "~", "/", "a b+c*d~e/f", "测试 ✓", "%20", "=&"])
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)

values = st.one_of(_TRICKY, _TEXT)
api_names = st.text(
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~"),
    min_size=1,
    max_size=16,
).filter(lambda name: name not in PROTOCOL_NAMES)
"""Names as the real APIs spell them (``RoleArn``, ``Tag.1.Key``): nothing to percent-encode."""
names = st.one_of(
    api_names,
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8).filter(
        lambda name: name not in PROTOCOL_NAMES
    ),
)
params = st.dictionaries(names, values, max_size=6)
api_params = st.dictionaries(api_names, values, max_size=6)
methods = st.sampled_from(["GET", "POST"])
hosts = st.sampled_from(["127.0.0.1:8080", "http://127.0.0.1:8080", "sts.aliyuncs.com"])


def plus_encoded(text: str) -> str:
    """The same query with every name and value re-encoded the way Tea puts it on the wire
    (``urlencode``: space as ``+``), which must decode to the same parameters."""
    return "&".join(
        f"{quote_plus(name, safe='')}={quote_plus(value, safe='')}"
        for name, value in decode_form(text).items()
    )
