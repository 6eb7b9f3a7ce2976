"""Federation: checking the credentials of identity providers outside ramsts.

* :mod:`ramsts.federation.issuer_keys` — an OIDC issuer's signing keys: OpenID discovery and its
  JWKS, fetched over https within a timeout, the issuer's certificate checked against the
  provider's fingerprints, kept per process and fetched again for an unknown key id.
* :mod:`ramsts.federation.id_tokens` — an ID token (a JWT) verified against a provider: an
  asymmetric signature by one of its issuer's keys, ``iss``, ``aud``, ``exp``/``nbf``/``iat``.

STS's AssumeRoleWithOIDC (:mod:`ramsts.sts.assume_role_with_oidc`) uses both. Every refusal is an
:class:`~ramsts.errors.AuthenticationFail` with the real service's code.
"""

from ramsts.federation.id_tokens import IdToken, verify_id_token
from ramsts.federation.issuer_keys import IssuerKeys

__all__ = ["IdToken", "IssuerKeys", "verify_id_token"]
