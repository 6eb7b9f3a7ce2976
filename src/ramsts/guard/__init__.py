"""What a resource service embeds: verify a signed request (RPC v1 or V3, long-term or temporary
credentials), resolve its principal, and authorize ``<product>:<Action>`` on a resource.

Two modes behind one :class:`Guard`: :class:`LocalVerifier` (inside ramsts, or sharing its
database and master key) and :class:`RemoteVerifier` (asking a ramsts server's ``VerifyRequest``
with the service's own AccessKey). :class:`GuardMiddleware` wraps an ASGI app. See
``docs/guard.md``.

Importing this package loads no server, database or password library, so that a resource
service in remote mode pays only for what it uses (``pip install "ramsts[guard]"``).
:class:`LocalVerifier` reads the store: it is imported on first use of the name
(``from ramsts.guard import LocalVerifier``), or directly from :mod:`ramsts.guard.local`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ramsts.guard.guard import Guard, Verifier
from ramsts.guard.middleware import GuardMiddleware, Target, TargetResolver
from ramsts.guard.remote import DEFAULT_CACHE_TTL, RemoteVerifier
from ramsts.guard.request import GuardRequest
from ramsts.guard.result import ACCOUNT_PLACEHOLDER, GuardResult, VerifiedPrincipal

if TYPE_CHECKING:
    from ramsts.guard.local import LocalVerifier

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


def __getattr__(name: str) -> Any:
    if name == "LocalVerifier":
        from ramsts.guard.local import LocalVerifier

        return LocalVerifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
