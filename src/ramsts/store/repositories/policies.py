"""Policies: custom ones belong to an account; system ones (``account_id`` NULL) are shared by
every account and are seeded with :meth:`PolicyRepository.put_system`. Versions are handled in
:mod:`ramsts.store.repositories.policy_versions`, reached through the same ``tx.policies``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store import ids
from ramsts.store.columns import fold_name
from ramsts.store.paging import DEFAULT_MAX_ITEMS, fetch_page
from ramsts.store.records import Page, Policy, PolicyType
from ramsts.store.repositories.policy_versions import PolicyVersionRepository
from ramsts.store.repositories.tags import TagFilter, matching_tags
from ramsts.store.schema import (
    group_policy_attachments,
    policies,
    policy_versions,
    role_policy_attachments,
    tags,
    user_policy_attachments,
)

ATTACHMENTS = (user_policy_attachments, group_policy_attachments, role_policy_attachments)


def attachment_count(account_id: str) -> sa.Label[int]:
    """How many principals of ``account_id`` the policy of the enclosing query is attached to."""
    counts = [
        sa.select(sa.func.count())
        .select_from(table)
        .where((table.c.policy_id == policies.c.policy_id) & (table.c.account_id == account_id))
        .correlate(policies)
        .scalar_subquery()
        for table in ATTACHMENTS
    ]
    return (counts[0] + counts[1] + counts[2]).label("attachment_count")


def to_policy(row: Mapping[Any, Any]) -> Policy:
    return Policy(
        policy_id=row["policy_id"],
        account_id=row["account_id"],
        policy_type=row["policy_type"],
        policy_name=row["policy_name"],
        description=row["description"],
        default_version=f"v{row['default_version_number']}",
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        attachment_count=int(row["attachment_count"]),
    )


def visible_to(account_id: str) -> sa.ColumnElement[bool]:
    """The policies an account can see: its own custom ones and every system one."""
    return (policies.c.account_id == account_id) | policies.c.account_id.is_(None)


class PolicyRepository(PolicyVersionRepository):
    def create_custom(
        self,
        account_id: str,
        *,
        policy_name: str,
        policy_document: str,
        now: datetime,
        description: str = "",
    ) -> Policy:
        """Create a custom policy with ``v1`` as its default version.

        Raises ``Conflict("Policy")`` when the account has a custom policy of that name.
        """
        return self._create(
            account_id,
            policy_type="Custom",
            policy_name=policy_name,
            policy_document=policy_document,
            description=description,
            now=now,
        )

    def put_system(
        self, *, policy_name: str, policy_document: str, description: str, now: datetime
    ) -> Policy:
        """Seed a system policy, or bring it up to date: a changed document becomes a new
        default version (as when the cloud updates a system policy)."""
        existing = self._one(
            policies.c.account_id.is_(None) & (policies.c.name_key == fold_name(policy_name)), ""
        )
        if existing is None:
            return self._create(
                None,
                policy_type="System",
                policy_name=policy_name,
                policy_document=policy_document,
                description=description,
                now=now,
            )
        current = self.default_version(existing.policy_id)
        if current is None or current.policy_document != policy_document:
            self.add_version(existing.policy_id, policy_document, now=now, set_default=True)
        if existing.description != description:
            self.update_description(existing.policy_id, description, now=now)
        refreshed = self.get_by_id(existing.policy_id, "")
        return refreshed if refreshed is not None else existing

    def put_system_catalog(self, catalog: Sequence[tuple[str, str, str]], *, now: datetime) -> None:
        """As :meth:`put_system` for every ``(name, description, document)`` of ``catalog``, in a
        read of every system policy and at most two statements for the new ones: every server start
        and every new database seeds the whole catalog, which one policy at a time would cost
        hundreds of round trips."""
        current = policy_versions.alias("current")
        found = {
            row.name_key: row
            for row in self._connection.execute(
                sa.select(
                    policies.c.policy_id,
                    policies.c.name_key,
                    policies.c.description,
                    current.c.policy_document,
                )
                .select_from(
                    policies.outerjoin(
                        current,
                        (current.c.policy_id == policies.c.policy_id)
                        & (current.c.version_number == policies.c.default_version_number),
                    )
                )
                .where(policies.c.account_id.is_(None))
            )
        }
        new_policies: list[dict[str, Any]] = []
        new_versions: list[dict[str, Any]] = []
        for policy_name, description, policy_document in catalog:
            existing = found.get(fold_name(policy_name))
            if existing is None:
                policy_row, version_row = _new_policy_rows(
                    ids.new_policy_id(),
                    None,
                    policy_type="System",
                    policy_name=policy_name,
                    policy_document=policy_document,
                    description=description,
                    now=now,
                )
                new_policies.append(policy_row)
                new_versions.append(version_row)
                continue
            if existing.policy_document != policy_document:
                self.add_version(existing.policy_id, policy_document, now=now, set_default=True)
            if existing.description != description:
                self.update_description(existing.policy_id, description, now=now)
        if new_policies:
            names = ", ".join(row["policy_name"] for row in new_policies)
            self._write(policies.insert(), new_policies, entity="Policy", key=names)
            self._connection.execute(policy_versions.insert(), new_versions)

    def get(self, account_id: str, policy_type: PolicyType, policy_name: str) -> Policy | None:
        """A custom policy of ``account_id`` or a system policy, with its AttachmentCount in
        ``account_id``."""
        owner = (
            policies.c.account_id == account_id
            if policy_type == "Custom"
            else policies.c.account_id.is_(None)
        )
        return self._one(owner & (policies.c.name_key == fold_name(policy_name)), account_id)

    def get_by_id(self, policy_id: str, account_id: str) -> Policy | None:
        return self._one(policies.c.policy_id == policy_id, account_id)

    def list(
        self,
        account_id: str,
        *,
        policy_type: PolicyType | None = None,
        marker: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        tagged: TagFilter = (),
    ) -> Page[Policy]:
        """Custom and/or system policies visible to the account, by name (ListPolicies)."""
        statement = sa.select(policies, attachment_count(account_id)).where(
            visible_to(account_id), *matching_tags("policy", policies.c.policy_id, tagged)
        )
        if policy_type is not None:
            statement = statement.where(policies.c.policy_type == policy_type)
        return fetch_page(
            self._connection,
            statement,
            name_key=policies.c.name_key,
            row_id=policies.c.policy_id,
            marker=marker,
            max_items=max_items,
            convert=to_policy,
        )

    def count_custom(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(policies.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    def update_description(self, policy_id: str, description: str, *, now: datetime) -> bool:
        result = self._connection.execute(
            policies.update()
            .where(policies.c.policy_id == policy_id)
            .values(description=description, updated_at=now)
        )
        return result.rowcount == 1

    def delete(self, policy_id: str) -> bool:
        """Delete a policy with its versions and attachments (cascade) and its tags."""
        self._connection.execute(
            tags.delete().where(
                (tags.c.resource_type == "policy") & (tags.c.resource_id == policy_id)
            )
        )
        result = self._connection.execute(
            policies.delete().where(policies.c.policy_id == policy_id)
        )
        return result.rowcount == 1

    def _create(
        self,
        account_id: str | None,
        *,
        policy_type: PolicyType,
        policy_name: str,
        policy_document: str,
        description: str,
        now: datetime,
    ) -> Policy:
        policy = Policy(
            policy_id=ids.new_policy_id(),
            account_id=account_id,
            policy_type=policy_type,
            policy_name=policy_name,
            description=description,
            default_version="v1",
            created_at=now,
            updated_at=now,
            attachment_count=0,
        )
        policy_row, version_row = _new_policy_rows(
            policy.policy_id,
            account_id,
            policy_type=policy_type,
            policy_name=policy_name,
            policy_document=policy_document,
            description=description,
            now=now,
        )
        self._write(
            policies.insert().values(policy_row),
            entity="Policy",
            key=policy_name,
            parent="Account",
        )
        self._connection.execute(policy_versions.insert().values(version_row))
        return policy

    def _one(self, condition: sa.ColumnElement[bool], account_id: str) -> Policy | None:
        row = (
            self._connection.execute(
                sa.select(policies, attachment_count(account_id)).where(condition)
            )
            .mappings()
            .first()
        )
        return to_policy(row) if row else None


def _new_policy_rows(
    policy_id: str,
    account_id: str | None,
    *,
    policy_type: PolicyType,
    policy_name: str,
    policy_document: str,
    description: str,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The rows of a new policy and of its first version, its default."""
    policy_row = {
        "policy_id": policy_id,
        "account_id": account_id,
        "policy_type": policy_type,
        "policy_name": policy_name,
        "name_key": fold_name(policy_name),
        "description": description,
        "default_version_number": 1,
        "last_version_number": 1,
        "created_at": now,
        "updated_at": now,
    }
    version_row = {
        "policy_id": policy_id,
        "version_number": 1,
        "policy_document": policy_document,
        "created_at": now,
    }
    return policy_row, version_row
