"""What a resource service embeds: verify a signed request (RPC v1 or V3, long-term or temporary
credentials), resolve its principal, and authorize ``<product>:<Action>`` on a resource.

Two modes behind one :class:`Guard`: :class:`LocalVerifier` (inside ramsts, or sharing its
database and master key) and :class:`RemoteVerifier` (asking a ramsts server's ``VerifyRequest``
with the service's own AccessKey). :class:`GuardMiddleware` wraps an ASGI app. See
``docs/guard.md``.
"""

from ramsts.guard.guard import Guard, Verifier
from ramsts.guard.local import LocalVerifier
from ramsts.guard.middleware import GuardMiddleware, Target, TargetResolver
from ramsts.guard.remote import DEFAULT_CACHE_TTL, RemoteVerifier
from ramsts.guard.request import GuardRequest
from ramsts.guard.result import ACCOUNT_PLACEHOLDER, GuardResult, VerifiedPrincipal

__all__ = [
    "ACCOUNT_PLACEHOLDER",
    "DEFAULT_CACHE_TTL",
    "Guard",
    "GuardMiddleware",
    "GuardRequest",
    "GuardResult",
    "LocalVerifier",
    "RemoteVerifier",
    "Target",
    "TargetResolver",
    "VerifiedPrincipal",
    "Verifier",
]
