"""Parsing XML that comes from outside (IdP metadata, SAML responses) without trusting it.

lxml is told never to resolve entities, load a DTD or touch the network, and a document that
declares a DOCTYPE at all is refused: SAML has no use for one, and refusing it closes entity
expansion ("billion laughs") and external-entity reads whatever the parser's defaults.
"""

from __future__ import annotations

from lxml import etree

SAML_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
SAML_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"


class UnsafeXml(ValueError):
    """Not XML, or XML that declares a DOCTYPE."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=True,
    )


def parse_untrusted(document: bytes) -> etree._Element:
    """The root element of ``document``; :class:`UnsafeXml` when it does not parse or declares
    a DOCTYPE."""
    try:
        root = etree.fromstring(document, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed XML ({exc.msg})") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        raise UnsafeXml("a DOCTYPE declaration is not allowed")
    return root


def qualified(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"
