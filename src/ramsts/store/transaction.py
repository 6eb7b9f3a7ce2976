"""The unit of work: one transaction, and the repositories that act within it."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.engine import Connection

from ramsts.store.invalidations import announce_change
from ramsts.store.repositories.access_keys import AccessKeyRepository
from ramsts.store.repositories.accounts import AccountRepository, AccountSettingsRepository
from ramsts.store.repositories.attachments import AttachmentRepository
from ramsts.store.repositories.audit_events import AuditEventRepository
from ramsts.store.repositories.groups import GroupRepository
from ramsts.store.repositories.login_profiles import LoginProfileRepository
from ramsts.store.repositories.mfa_devices import MfaDeviceRepository
from ramsts.store.repositories.oidc_providers import OidcProviderRepository
from ramsts.store.repositories.policies import PolicyRepository
from ramsts.store.repositories.roles import RoleRepository
from ramsts.store.repositories.saml_providers import SamlAssertionLedger, SamlProviderRepository
from ramsts.store.repositories.sign_ins import SignInRepository
from ramsts.store.repositories.tags import TagRepository
from ramsts.store.repositories.token_keys import TokenKeyRepository
from ramsts.store.repositories.users import UserRepository


class Transaction:
    """Repositories sharing one database transaction. Built by ``Store.transaction()`` or
    ``Store.read()``; everything done through it commits or rolls back together."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def announce_change(self, account_id: str) -> None:
        """Tell every process, once this transaction commits, that what it caches of
        ``account_id`` (principals, policies, keys, roles) is stale; nothing if it rolls back.
        On PostgreSQL only (see :mod:`ramsts.store.invalidations`)."""
        announce_change(self._connection, account_id)

    @cached_property
    def accounts(self) -> AccountRepository:
        return AccountRepository(self._connection)

    @cached_property
    def account_settings(self) -> AccountSettingsRepository:
        return AccountSettingsRepository(self._connection)

    @cached_property
    def access_keys(self) -> AccessKeyRepository:
        return AccessKeyRepository(self._connection)

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self._connection)

    @cached_property
    def groups(self) -> GroupRepository:
        return GroupRepository(self._connection)

    @cached_property
    def roles(self) -> RoleRepository:
        return RoleRepository(self._connection)

    @cached_property
    def policies(self) -> PolicyRepository:
        return PolicyRepository(self._connection)

    @cached_property
    def attachments(self) -> AttachmentRepository:
        return AttachmentRepository(self._connection)

    @cached_property
    def tags(self) -> TagRepository:
        return TagRepository(self._connection)

    @cached_property
    def login_profiles(self) -> LoginProfileRepository:
        return LoginProfileRepository(self._connection)

    @cached_property
    def mfa_devices(self) -> MfaDeviceRepository:
        return MfaDeviceRepository(self._connection)

    @cached_property
    def sign_ins(self) -> SignInRepository:
        return SignInRepository(self._connection)

    @cached_property
    def oidc_providers(self) -> OidcProviderRepository:
        return OidcProviderRepository(self._connection)

    @cached_property
    def saml_providers(self) -> SamlProviderRepository:
        return SamlProviderRepository(self._connection)

    @cached_property
    def saml_assertions(self) -> SamlAssertionLedger:
        return SamlAssertionLedger(self._connection)

    @cached_property
    def token_keys(self) -> TokenKeyRepository:
        return TokenKeyRepository(self._connection)

    @cached_property
    def audit_events(self) -> AuditEventRepository:
        return AuditEventRepository(self._connection)
