"""What OIDC and SAML providers have in common: an account's entity found by name (any letter
case), authorized as ``ram:<Action>`` on its ARN (``acs:ram::<AccountId>:<kind>/<Name>``, the
listing on ``…/*``), at most :data:`PROVIDERS_PER_ACCOUNT` of each kind per account.

A :class:`ProviderKind` describes one kind; the use cases here run Create, Get, Delete, List
and any change of one provider for either, each in the transaction it is given or its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ramsts.caller import Caller
from ramsts.errors import EntityAlreadyExists, LimitExceeded
from ramsts.parameters import TextRule, checked_text, missing_parameter
from ramsts.ram.entities import EntityKind
from ramsts.ram.listing import Listing
from ramsts.store import Page, Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

PROVIDER_NAME = TextRule(
    128, pattern=re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"), invalid="Format"
)
DESCRIPTION = TextRule(256)
PROVIDERS_PER_ACCOUNT = 100


class Provider(Protocol):
    @property
    def provider_id(self) -> str: ...

    @property
    def provider_name(self) -> str: ...


P = TypeVar("P", bound=Provider)


class ProviderRepository(Protocol[P]):
    """The store's repository of one kind (``tx.oidc_providers``, ``tx.saml_providers``)."""

    def get(self, account_id: str, provider_name: str) -> P | None: ...

    def update(self, provider: P, *, now: datetime) -> P: ...

    def delete(self, provider_id: str) -> bool: ...

    def list(self, account_id: str, *, marker: str | None, max_items: int) -> Page[P]: ...

    def count(self, account_id: str) -> int: ...


@dataclass(frozen=True, slots=True)
class ProviderKind(Generic[P]):
    entity: EntityKind[P]
    """Its code (``OIDCProvider``: ``EntityNotExist.OIDCProvider``, ``ram:GetOIDCProvider``),
    noun, ARN and name rule."""
    repository: Callable[[Transaction], ProviderRepository[P]]

    @classmethod
    def of(
        cls,
        code: str,
        noun: str,
        resource: str,
        repository: Callable[[Transaction], ProviderRepository[P]],
    ) -> ProviderKind[P]:
        """The kind ``code`` (``OIDCProvider``), called ``noun`` in messages, on ARNs
        ``acs:ram::<AccountId>:<resource>/<Name>``, stored in ``repository``."""
        return cls(
            EntityKind(
                code,
                noun,
                lambda tx, account_id, name: repository(tx).get(account_id, name),
                lambda provider: provider.provider_name,
                lambda account_id, name: f"acs:ram::{account_id}:{resource}/{name}",
                PROVIDER_NAME,
            ),
            repository,
        )

    def action(self, verb: str) -> str:
        """``ram:<verb><Kind>``: ``ram:CreateSAMLProvider``."""
        return f"ram:{verb}{self.entity.entity}"


def required_field(name: str, value: str, rule: TextRule | None = None) -> str:
    """A field that must be given, checked; ``""`` is ``MissingParameter.<Name>``, as Ims
    documents it for these actions (and as STS does)."""
    if value == "":
        raise missing_parameter(name, suffix=True)
    return checked_text(name, value, rule)


def create_provider(
    kind: ProviderKind[P],
    ram: RamService,
    caller: Caller,
    name: str,
    create: Callable[[Transaction], P],
    *,
    conditions: Mapping[str, str] | None = None,
    within: Transaction | None = None,
) -> P:
    """Authorize ``ram:Create<Kind>`` on the new name (with ``conditions``), refuse the
    account's 101st or a name taken in any letter case, and store what ``create`` makes."""
    account_id = caller.account_id
    noun = kind.entity.noun
    ram.authorizer.require(
        caller, kind.action("Create"), kind.entity.arn(account_id, name), conditions
    )
    with ram.transaction(account_id, within=within) as tx:
        repository = kind.repository(tx)
        if repository.count(account_id) >= PROVIDERS_PER_ACCOUNT:
            raise LimitExceeded(
                kind.entity.entity, f"The account already has {PROVIDERS_PER_ACCOUNT} {noun}s."
            )
        found = repository.get(account_id, name)
        if found is not None:
            raise EntityAlreadyExists(
                kind.entity.entity, f"The {noun} already exists: {found.provider_name}."
            )
        return create(tx)


def get_provider(
    kind: ProviderKind[P],
    ram: RamService,
    caller: Caller,
    name: str,
    within: Transaction | None = None,
) -> P:
    with ram.read(within=within) as tx:
        return ram.authorized(tx, caller, kind.action("Get"), kind.entity, name)


def change_provider(
    kind: ProviderKind[P],
    ram: RamService,
    caller: Caller,
    name: str,
    change: Callable[[P], P],
    *,
    action: str,
    within: Transaction | None = None,
) -> P:
    """Resolve and authorize the named provider for ``action``, apply ``change`` and store it,
    in one transaction; the provider as stored after it."""
    with ram.transaction(caller.account_id, within=within) as tx:
        provider = ram.authorized(tx, caller, action, kind.entity, name)
        return kind.repository(tx).update(change(provider), now=ram.now())


def delete_provider(
    kind: ProviderKind[P],
    ram: RamService,
    caller: Caller,
    name: str,
    within: Transaction | None = None,
) -> None:
    with ram.transaction(caller.account_id, within=within) as tx:
        provider = ram.authorized(tx, caller, kind.action("Delete"), kind.entity, name)
        kind.repository(tx).delete(provider.provider_id)


def list_providers(
    kind: ProviderKind[P],
    ram: RamService,
    caller: Caller,
    listing: Listing,
    within: Transaction | None = None,
) -> Page[P]:
    account_id = caller.account_id
    ram.authorizer.require(caller, kind.action("List") + "s", kind.entity.arn(account_id, "*"))
    with ram.read(within=within) as tx:
        return kind.repository(tx).list(
            account_id, marker=listing.marker, max_items=listing.max_items
        )
