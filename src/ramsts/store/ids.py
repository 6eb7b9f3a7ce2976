"""Identifiers in the shapes the real service issues (spec api.md §9.6), drawn from ``secrets``.

Numeric ids never start with ``0`` so that they keep their length when a client parses them as
numbers (some scripts do).
"""

from __future__ import annotations

import secrets
import string

_ALNUM = string.ascii_letters + string.digits


def _digits(length: int) -> str:
    """A number of ``length`` digits, each as likely as with one draw per digit (one draw in
    all: a system catalog seeds hundreds of ids)."""
    smallest = 10 ** (length - 1)
    return str(smallest + secrets.randbelow(9 * smallest))


def new_account_id() -> str:
    """AccountId: 16 digits."""
    return _digits(16)


def new_user_id() -> str:
    """UserId: 16 digits."""
    return _digits(16)


def new_group_id() -> str:
    """GroupId: 16 digits (the real service does not document the length)."""
    return _digits(16)


def new_role_id() -> str:
    """RoleId: 19 digits, as in ``AssumedRoleId`` values seen from the real service."""
    return _digits(19)


def new_policy_id() -> str:
    """Internal policy id (never shown to clients: policies are named, not numbered)."""
    return _digits(19)


def new_oidc_provider_id() -> str:
    """Internal OIDC provider id (never shown to clients: providers are named)."""
    return _digits(19)


def new_saml_provider_id() -> str:
    """Internal SAML provider id (never shown to clients: providers are named)."""
    return _digits(19)


def new_access_key_id() -> str:
    """Long-term AccessKeyId: ``LTAI`` + 20 letters and digits (24 characters)."""
    return "LTAI" + "".join(secrets.choice(_ALNUM) for _ in range(20))
