"""Who signed a request, and is it fresh: the authentication every product's API calls share
(RAM, STS, the guard's ``VerifyRequest``, a resource service guarded in local mode).

It sits below the services and the entry points (``docs/architecture.md``): it reads AccessKeys,
roles and nonces from the store, opens SecurityTokens with the key ring and checks signatures,
and knows nothing of the actions the services run or of HTTP.
"""

from ramsts.authentication.access_key_secrets import (
    seal_access_key_secret,
    unseal_access_key_secret,
)
from ramsts.authentication.authenticator import (
    MAX_CACHE_TTL,
    Authenticator,
    Connection,
    KeyRingSource,
    RequestAuthenticator,
    Verified,
)

__all__ = [
    "MAX_CACHE_TTL",
    "Authenticator",
    "Connection",
    "KeyRingSource",
    "RequestAuthenticator",
    "Verified",
    "seal_access_key_secret",
    "unseal_access_key_secret",
]
