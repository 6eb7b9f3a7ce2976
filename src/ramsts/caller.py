"""Who is calling: the principal an authenticated request acts as.

Built by authentication (a long-term AccessKey of an account's root or a RAM user, or an STS
temporary credential of a role session) and handed to every action, which authorizes with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

IdentityType = Literal["Account", "RAMUser", "AssumedRoleUser"]


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: str
    identity_type: IdentityType
    arn: str
    """The ARN policies see (assumed roles: ``…:assumed-role/<role>/<session>``)."""
    principal_id: str
    """Account id, UserId, or ``<RoleId>:<RoleSessionName>``."""
    access_key_id: str
    display_name: str
    """User name, role session's ``<role>/<session>``, or the account id."""
    user_id: str | None = None
    user_name: str | None = None
    role_id: str | None = None
    role_name: str | None = None
    session_name: str | None = None
    session_policy: str | None = None
    """The SessionPolicy frozen into a role session's token, as JSON text."""
    source_identity: str | None = None
    issued_at_epoch: int | None = None
    expires_at_epoch: int | None = None
    context: dict[str, str] = field(default_factory=dict)
    """Condition keys the request fills in (``acs:SourceIp``, ``acs:SecureTransport``, …)."""

    @property
    def is_root(self) -> bool:
        return self.identity_type == "Account"

    @property
    def is_role_session(self) -> bool:
        return self.identity_type == "AssumedRoleUser"
