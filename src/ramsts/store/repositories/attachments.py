"""Policy attachments to users, groups and roles, and the policies in force for a principal.

There is one table per principal type so that each attachment has a real foreign key to its
principal (and goes with it). The "in force" queries are on the authorization hot path: each is a
single statement that returns the default version's document of every attached policy,
including, for a user, the policies of its groups.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ramsts.store.records import (
    AttachedPolicy,
    EffectivePolicy,
    Policy,
    PolicyEntities,
    PolicyType,
    PrincipalType,
)
from ramsts.store.repositories.base import Repository
from ramsts.store.repositories.groups import to_group
from ramsts.store.repositories.policies import attachment_count, to_policy
from ramsts.store.repositories.roles import to_role
from ramsts.store.repositories.users import to_user
from ramsts.store.schema import (
    group_memberships,
    group_policy_attachments,
    groups,
    policies,
    policy_versions,
    role_policy_attachments,
    roles,
    user_policy_attachments,
    users,
)

_TABLES: dict[PrincipalType, tuple[sa.Table, sa.Column[str]]] = {
    "User": (user_policy_attachments, user_policy_attachments.c.user_id),
    "Group": (group_policy_attachments, group_policy_attachments.c.group_id),
    "Role": (role_policy_attachments, role_policy_attachments.c.role_id),
}

_DEFAULT_VERSION = (policy_versions.c.policy_id == policies.c.policy_id) & (
    policy_versions.c.version_number == policies.c.default_version_number
)


class AttachmentRepository(Repository):
    def attach(
        self,
        principal_type: PrincipalType,
        principal_id: str,
        policy: Policy,
        *,
        account_id: str,
        now: datetime,
    ) -> None:
        """Raises ``Conflict("<Principal>.Policy")`` when the policy is already attached."""
        table, principal = _TABLES[principal_type]
        self._write(
            table.insert().values(
                {
                    principal.key: principal_id,
                    "policy_id": policy.policy_id,
                    "account_id": account_id,
                    "attached_at": now,
                }
            ),
            entity=f"{principal_type}.Policy",
            key=policy.policy_name,
            parent=principal_type,
        )

    def detach(self, principal_type: PrincipalType, principal_id: str, policy_id: str) -> bool:
        table, principal = _TABLES[principal_type]
        result = self._connection.execute(
            table.delete().where((principal == principal_id) & (table.c.policy_id == policy_id))
        )
        return result.rowcount == 1

    def list_for(
        self, principal_type: PrincipalType, principal_id: str, *, account_id: str
    ) -> list[AttachedPolicy]:
        """The policies attached directly to a principal, by name (ListPoliciesFor*)."""
        table, principal = _TABLES[principal_type]
        rows = self._connection.execute(
            sa.select(policies, attachment_count(account_id), table.c.attached_at)
            .join(table, table.c.policy_id == policies.c.policy_id)
            .where(principal == principal_id)
            .order_by(policies.c.name_key, policies.c.policy_id)
        ).mappings()
        return [AttachedPolicy(to_policy(row), row["attached_at"]) for row in rows]

    def count_for(
        self, principal_type: PrincipalType, principal_id: str, policy_type: PolicyType
    ) -> int:
        """Attached policies of one type, for the per-principal quotas."""
        table, principal = _TABLES[principal_type]
        statement = (
            sa.select(sa.func.count())
            .select_from(table.join(policies, policies.c.policy_id == table.c.policy_id))
            .where((principal == principal_id) & (policies.c.policy_type == policy_type))
        )
        return int(self._connection.execute(statement).scalar_one())

    def entities(self, policy_id: str, *, account_id: str) -> PolicyEntities:
        """Who in ``account_id`` the policy is attached to (ListEntitiesForPolicy)."""

        def attached(table: sa.Table, principals: sa.Table, key: str) -> list[sa.RowMapping]:
            return list(
                self._connection.execute(
                    sa.select(principals, table.c.attached_at)
                    .join(table, table.c[key] == principals.c[key])
                    .where((table.c.policy_id == policy_id) & (table.c.account_id == account_id))
                    .order_by(principals.c.name_key, principals.c[key])
                ).mappings()
            )

        return PolicyEntities(
            users=tuple(
                (to_user(row), row["attached_at"])
                for row in attached(user_policy_attachments, users, "user_id")
            ),
            groups=tuple(
                (to_group(row), row["attached_at"])
                for row in attached(group_policy_attachments, groups, "group_id")
            ),
            roles=tuple(
                (to_role(row), row["attached_at"])
                for row in attached(role_policy_attachments, roles, "role_id")
            ),
        )

    def effective_for_user(self, user_id: str) -> list[EffectivePolicy]:
        """Policies in force for a user: its own and those of its groups, in one query."""
        direct = (
            _in_force("User", sa.literal(None, sa.String(64)))
            .select_from(user_policy_attachments)
            .join(policies, policies.c.policy_id == user_policy_attachments.c.policy_id)
            .join(policy_versions, _DEFAULT_VERSION)
            .where(user_policy_attachments.c.user_id == user_id)
        )
        through_groups = (
            _in_force("Group", groups.c.group_name)
            .select_from(group_memberships)
            .join(groups, groups.c.group_id == group_memberships.c.group_id)
            .join(
                group_policy_attachments,
                group_policy_attachments.c.group_id == group_memberships.c.group_id,
            )
            .join(policies, policies.c.policy_id == group_policy_attachments.c.policy_id)
            .join(policy_versions, _DEFAULT_VERSION)
            .where(group_memberships.c.user_id == user_id)
        )
        return self._effective(sa.union_all(direct, through_groups))

    def effective_for_role(self, role_id: str) -> list[EffectivePolicy]:
        """Policies in force for a role session (before any session policy), in one query."""
        return self._effective_direct("Role", role_id)

    def _effective_direct(
        self, principal_type: PrincipalType, principal_id: str
    ) -> list[EffectivePolicy]:
        table, principal = _TABLES[principal_type]
        statement = (
            _in_force(principal_type, sa.literal(None, sa.String(64)))
            .select_from(table)
            .join(policies, policies.c.policy_id == table.c.policy_id)
            .join(policy_versions, _DEFAULT_VERSION)
            .where(principal == principal_id)
        )
        return self._effective(statement)

    def _effective(self, statement: sa.Executable) -> list[EffectivePolicy]:
        rows = self._connection.execute(statement).mappings()
        found = [
            EffectivePolicy(
                policy_id=row["policy_id"],
                policy_name=row["policy_name"],
                policy_type=row["policy_type"],
                version_id=f"v{row['version_number']}",
                policy_document=row["policy_document"],
                attached_to=row["attached_to"],
                group_name=row["group_name"],
            )
            for row in rows
        ]
        found.sort(key=lambda p: (p.attached_to != "User", p.group_name or "", p.policy_name))
        return found


def _in_force(
    attached_to: PrincipalType, group_name: sa.ColumnElement[str | None]
) -> sa.Select[tuple[object, ...]]:
    return sa.select(
        policies.c.policy_id,
        policies.c.policy_name,
        policies.c.policy_type,
        policy_versions.c.version_number,
        policy_versions.c.policy_document,
        sa.literal(attached_to, sa.String(8)).label("attached_to"),
        group_name.label("group_name"),
    )
