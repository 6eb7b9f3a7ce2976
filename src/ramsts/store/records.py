"""What repositories return: plain frozen dataclasses, never ORM rows.

Field names are Python spellings of the real service's (``UserName`` → ``user_name``) so services
render them without a lookup table. Every timestamp is an aware UTC ``datetime``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, NamedTuple, TypeVar

from ramsts.store.event_documents import render_document

T = TypeVar("T")

PolicyType = Literal["Custom", "System"]
PrincipalType = Literal["User", "Group", "Role"]
AccessKeyStatus = Literal["Active", "Inactive"]
TagResourceType = Literal["role", "policy"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a ``Marker``/``MaxItems`` listing (spec api.md §9.4)."""

    items: tuple[T, ...]
    is_truncated: bool
    marker: str | None
    """Pass back to get the next page; ``None`` unless ``is_truncated``."""


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    alias: str | None
    root_password_hash: str | None
    created_at: datetime

    @property
    def root_arn(self) -> str:
        return f"acs:ram::{self.account_id}:root"


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    account_id: str
    user_name: str
    display_name: str
    email: str
    mobile_phone: str
    comments: str
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:user/{self.user_name}"


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str
    account_id: str
    user_id: str | None
    """``None``: the key belongs to the account's root."""
    sealed_secret: str
    """The AccessKeySecret as sealed by ``ramsts.crypto``; the store never sees the plain text."""
    status: AccessKeyStatus
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LastUse:
    """When and where something was last used, as the audit trail last recorded it: a key
    signing a request, a role assumed, a user signing in or calling."""

    used_at: datetime
    service_name: str
    """The event's ``serviceName``: ``Ram``, ``Sts``, ``Ims``, ``AasSub``…"""
    region: str
    """The event's ``acsRegion``."""


@dataclass(frozen=True, slots=True)
class AccessKeyOwner:
    """An AccessKeyId resolved for authentication: the key, its account and its user (if any)."""

    key: AccessKey
    account: Account
    user: User | None


@dataclass(frozen=True, slots=True)
class Group:
    group_id: str
    account_id: str
    group_name: str
    comments: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class GroupMembership:
    """A group as seen from one of its members (ListGroupsForUser)."""

    group: Group
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class GroupMember:
    """A user as seen from a group it belongs to (ListUsersForGroup)."""

    user: User
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class Role:
    role_id: str
    account_id: str
    role_name: str
    description: str
    assume_role_policy_document: str
    max_session_duration: int
    allow_console_login: bool
    is_service_linked_role: bool
    service_name: str | None
    """The trusted service of a service-linked role (``ecs.aliyuncs.com``)."""
    created_at: datetime
    updated_at: datetime
    sessions_not_before: datetime | None
    """Role sessions issued before this instant are revoked."""
    trusted_principal_ids: tuple[tuple[str, str], ...] = ()
    """(principal ARN, id) of each RAM user and role its trust policy names, bound when the
    policy was written: the entity trusted, whatever takes its name later."""

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:role/{self.role_name}"


@dataclass(frozen=True, slots=True)
class OidcProvider:
    """An OpenID Connect identity provider an account trusts (Ims)."""

    provider_id: str
    account_id: str
    provider_name: str
    issuer_url: str
    description: str
    client_ids: tuple[str, ...]
    """The audiences (``aud``) its ID tokens may carry, in the order they were added."""
    fingerprints: tuple[str, ...]
    """SHA-1 fingerprints (40 lower-case hex digits) of the certificates its issuer URL may
    present."""
    issuance_limit_time: int
    """Hours an ID token stays acceptable after its ``iat``."""
    created_at: datetime
    updated_at: datetime

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:oidc-provider/{self.provider_name}"


@dataclass(frozen=True, slots=True)
class SamlProvider:
    """A SAML 2.0 identity provider an account trusts (Ims), described by the metadata
    document its administrator uploaded."""

    provider_id: str
    account_id: str
    provider_name: str
    description: str
    metadata_document: str
    """The IdP's metadata XML as uploaded (checked when written: an ``EntityDescriptor`` with an
    entity id and at least one signing certificate)."""
    authn_sign_algo: str
    """``rsa-sha256`` or ``rsa-sha1``: the weakest signature algorithm its assertions may use."""
    created_at: datetime
    updated_at: datetime

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:saml-provider/{self.provider_name}"


@dataclass(frozen=True, slots=True)
class Policy:
    policy_id: str
    account_id: str | None
    """``None`` for system policies, which every account shares."""
    policy_type: PolicyType
    policy_name: str
    description: str
    default_version: str
    created_at: datetime
    updated_at: datetime
    attachment_count: int
    """Attachments within the account the policy was read for."""


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    policy_id: str
    version_id: str
    policy_document: str
    is_default_version: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A policy as seen from a principal it is attached to (ListPoliciesFor*)."""

    policy: Policy
    attached_at: datetime


@dataclass(frozen=True, slots=True)
class PolicyEntities:
    """Who a policy is attached to within one account (ListEntitiesForPolicy)."""

    users: tuple[tuple[User, datetime], ...]
    groups: tuple[tuple[Group, datetime], ...]
    roles: tuple[tuple[Role, datetime], ...]


@dataclass(frozen=True, slots=True)
class EffectivePolicy:
    """A policy in force for a principal, with the document of its default version."""

    policy_id: str
    policy_name: str
    policy_type: PolicyType
    version_id: str
    policy_document: str
    attached_to: PrincipalType
    """Where the attachment is: on the principal itself, or on a group (for users)."""
    group_name: str | None
    """The group the policy comes through, when ``attached_to == "Group"``."""


@dataclass(frozen=True, slots=True)
class Tag:
    resource_type: TagResourceType
    resource_id: str
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class LoginProfile:
    user_id: str
    account_id: str
    password_hash: str
    password_reset_required: bool
    mfa_bind_required: bool
    password_history: tuple[str, ...]
    """Earlier password hashes, newest first (for PasswordReusePrevention)."""
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class VirtualMfaDevice:
    serial_number: str
    """``acs:ram::<AccountId>:mfa/<VirtualMFADeviceName>``."""
    account_id: str
    device_name: str
    sealed_seed: str
    user_id: str | None
    enabled_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserDependents:
    """What stops a DeleteUser (``DeleteConflict.User.*``)."""

    access_keys: int
    login_profile: bool
    mfa_device: bool
    groups: int
    policies: int


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """Per-account JSON settings; ``None`` means "never set", so the service applies defaults."""

    account_id: str
    password_policy: Mapping[str, Any] | None
    security_preference: Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class TokenKey:
    """A key of the SecurityToken key ring, sealed by ``ramsts.crypto``."""

    key_id: str
    sealed_key: str
    created_at: datetime
    is_current: bool


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event of an account's audit trail, in ActionTrail's format (``document``), with the
    fields LookupEvents filters on pulled out beside it."""

    event_id: str
    """ActionTrail's ``eventId``: an upper-case UUID."""
    account_id: str
    """Whose trail: the caller's account (for an anonymous federation call, the role's)."""
    event_time: datetime
    event_name: str
    """The action (``CreateUser``, ``AssumeRole``, ``ConsoleSignin``…)."""
    event_source: str
    """The product's endpoint host (``ramsts.products``), or ``signin.aliyun.com``…"""
    service_name: str
    """``Ram``, ``Sts``, ``Ims``, ``ActionTrail``…"""
    event_type: str
    """``ApiCall``, ``ConsoleSignin``, ``ConsoleOperation``…"""
    event_rw: str
    """``Read`` or ``Write``."""
    api_version: str | None
    user_name: str | None
    """The calling RAM user's name (the ``User`` filter); ``None`` for other callers."""
    access_key_id: str | None
    error_code: str | None
    """``None``: the call succeeded."""
    request_id: str
    document: Mapping[str, Any]
    """The whole event, exactly as LookupEvents returns it (secrets already redacted). Given
    whole when stored (not by the trail's writer, which stores :class:`EventFacts`), it is
    stored whole."""
    resources: tuple[tuple[str, str], ...] = ()
    """The resources the event names, as ``(type, name)``: ``("ACS::RAM::User", "alice")``."""
    seq: int | None = None
    """The trail's order (and paging position), given by the store; ``None`` before it is
    stored."""

    def position(self) -> EventPosition:
        """Where this stored event is on the trail (for paging after it)."""
        if self.seq is None:
            raise ValueError("an event not yet stored has no position on the trail")
        return EventPosition(self.event_time, self.seq)


class EventFacts(NamedTuple):
    """An event as the trail's writer stores it: the facts of one call, its document rendered
    only when read (:mod:`ramsts.store.event_documents`). The columns of :class:`AuditEvent`,
    then the caller's identity and where the call came from, in the order of the table's
    columns, then ``tail``. A named tuple: the writer makes thousands a second, and its row is
    sliced off it."""

    event_id: str
    account_id: str
    event_time: datetime
    event_name: str
    event_source: str
    service_name: str
    event_type: str
    event_rw: str
    api_version: str | None
    user_name: str | None
    access_key_id: str | None
    error_code: str | None
    request_id: str
    source_ip: str
    user_agent: str
    identity_type: str
    """``userIdentity.type``: ``root-account``, ``ram-user``, ``assumed-role``, ``unknown``."""
    principal_id: str | None
    identity_name: str | None
    """``userIdentity.userName``: ``root``, the user's name, ``<role>:<session>``."""
    role_id: str | None
    role_name: str | None
    session_created: str | None
    """An assumed role's ``sessionContext.attributes.creationDate``."""
    tail: Mapping[str, Any]
    """The document's members after ``userIdentity``, secrets already redacted
    (:data:`~ramsts.store.event_documents.TAIL_KEYS`)."""
    resources: tuple[tuple[str, str], ...] = ()
    """The resources the event names, as ``(type, name)``."""

    @property
    def document(self) -> dict[str, Any]:
        """The event as LookupEvents will return it once stored."""
        return render_document(self._asdict(), self.tail)


@dataclass(frozen=True, slots=True)
class EventPosition:
    """Where a page of the trail ended: the last event's time and ``seq`` (the trail's order is
    by time, then by ``seq`` among events of one instant)."""

    event_time: datetime
    seq: int


@dataclass(frozen=True, slots=True)
class EventLookup:
    """Which of an account's events LookupEvents asks for, and which page of them."""

    account_id: str
    start: datetime
    """Events at or after it."""
    end: datetime
    """Events at or before it."""
    attributes: Mapping[str, str] = field(default_factory=dict)
    """LookupAttribute key → the value it must equal (``EventName``, ``EventRW``, ``User``,
    ``EventAccessKeyId``, ``EventId``, ``ServiceName``, ``EventType``, ``ResourceName``,
    ``ResourceType``): an event matches every one."""
    after: EventPosition | None = None
    """``None``: the first page; else the position the previous page ended at."""
    limit: int = 20
    newest_first: bool = True
    """``BACKWARD`` (newest first), else ``FORWARD``."""
