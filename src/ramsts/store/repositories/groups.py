"""RAM groups and their members."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store import ids
from ramsts.store.columns import fold_name
from ramsts.store.paging import DEFAULT_MAX_ITEMS, fetch_page
from ramsts.store.records import Group, GroupMember, GroupMembership, Page
from ramsts.store.repositories.base import Repository
from ramsts.store.repositories.users import to_user
from ramsts.store.schema import group_memberships, group_policy_attachments, groups, users


def to_group(row: Mapping[Any, Any]) -> Group:
    return Group(
        group_id=row["group_id"],
        account_id=row["account_id"],
        group_name=row["group_name"],
        comments=row["comments"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class GroupRepository(Repository):
    def create(
        self, account_id: str, *, group_name: str, now: datetime, comments: str = ""
    ) -> Group:
        """Raises ``Conflict("Group")`` when the name is taken (in any letter case)."""
        group = Group(ids.new_group_id(), account_id, group_name, comments, now, now)
        self._write(
            groups.insert().values(**asdict(group), name_key=fold_name(group_name)),
            entity="Group",
            key=group_name,
            parent="Account",
        )
        return group

    def get(self, account_id: str, group_name: str) -> Group | None:
        return self._one(
            (groups.c.account_id == account_id) & (groups.c.name_key == fold_name(group_name))
        )

    def get_by_id(self, group_id: str) -> Group | None:
        return self._one(groups.c.group_id == group_id)

    def update(self, group: Group, *, now: datetime) -> Group:
        """Write ``group_name`` and ``comments``; a new name that is taken raises ``Conflict``."""
        changed = replace(group, updated_at=now)
        self._write(
            groups.update()
            .where(groups.c.group_id == group.group_id)
            .values(
                group_name=changed.group_name,
                name_key=fold_name(changed.group_name),
                comments=changed.comments,
                updated_at=now,
            ),
            entity="Group",
            key=group.group_name,
        )
        return changed

    def delete(self, group_id: str) -> bool:
        """Delete a group with its memberships and attachments (cascade)."""
        result = self._connection.execute(groups.delete().where(groups.c.group_id == group_id))
        return result.rowcount == 1

    def list(
        self, account_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Page[Group]:
        return fetch_page(
            self._connection,
            sa.select(groups).where(groups.c.account_id == account_id),
            name_key=groups.c.name_key,
            row_id=groups.c.group_id,
            marker=marker,
            max_items=max_items,
            convert=to_group,
        )

    def count(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(groups.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    def add_member(self, group: Group, user_id: str, *, now: datetime) -> None:
        """Raises ``Conflict("User.Group")`` when the user is already a member."""
        self._write(
            group_memberships.insert().values(
                group_id=group.group_id, user_id=user_id, account_id=group.account_id, joined_at=now
            ),
            entity="User.Group",
            key=group.group_name,
            parent="User",
        )

    def remove_member(self, group_id: str, user_id: str) -> bool:
        result = self._connection.execute(
            group_memberships.delete().where(
                (group_memberships.c.group_id == group_id)
                & (group_memberships.c.user_id == user_id)
            )
        )
        return result.rowcount == 1

    def list_for_user(self, user_id: str) -> builtins.list[GroupMembership]:
        """The groups a user belongs to, by name (ListGroupsForUser)."""
        rows = self._connection.execute(
            sa.select(groups, group_memberships.c.joined_at)
            .join(group_memberships, group_memberships.c.group_id == groups.c.group_id)
            .where(group_memberships.c.user_id == user_id)
            .order_by(groups.c.name_key, groups.c.group_id)
        ).mappings()
        return [GroupMembership(to_group(row), row["joined_at"]) for row in rows]

    def list_members(
        self, group_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Page[GroupMember]:
        """The users of a group, by name (ListUsersForGroup)."""
        return fetch_page(
            self._connection,
            sa.select(users, group_memberships.c.joined_at)
            .join(group_memberships, group_memberships.c.user_id == users.c.user_id)
            .where(group_memberships.c.group_id == group_id),
            name_key=users.c.name_key,
            row_id=users.c.user_id,
            marker=marker,
            max_items=max_items,
            convert=lambda row: GroupMember(to_user(row), row["joined_at"]),
        )

    def count_members(self, group_id: str) -> int:
        statement = sa.select(sa.func.count()).where(group_memberships.c.group_id == group_id)
        return int(self._connection.execute(statement).scalar_one())

    def count_for_user(self, user_id: str) -> int:
        statement = sa.select(sa.func.count()).where(group_memberships.c.user_id == user_id)
        return int(self._connection.execute(statement).scalar_one())

    def count_policies(self, group_id: str) -> int:
        statement = sa.select(sa.func.count()).where(
            group_policy_attachments.c.group_id == group_id
        )
        return int(self._connection.execute(statement).scalar_one())

    def _one(self, condition: sa.ColumnElement[bool]) -> Group | None:
        row = self._connection.execute(sa.select(groups).where(condition)).mappings().first()
        return to_group(row) if row else None
