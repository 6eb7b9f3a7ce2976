"""Tags on roles and policies (TagResources, UntagResources, ListTagResources, ``Tag`` filters).

Tags point at a resource by type and id rather than by a foreign key (one table serves both
resource types), so the role and policy repositories delete a resource's tags with it.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ramsts.store.records import Tag, TagResourceType
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import tags

TagFilter = Sequence[tuple[str, str | None]]
"""``(key, value)`` pairs a resource must all carry; a ``None`` value matches any value."""


def to_tag(row: Mapping[Any, Any]) -> Tag:
    return Tag(row["resource_type"], row["resource_id"], row["tag_key"], row["tag_value"])


def matching_tags(
    resource_type: TagResourceType, resource_id: sa.ColumnElement[str], wanted: TagFilter
) -> list[sa.ColumnElement[bool]]:
    """Conditions that keep only resources carrying every wanted tag."""
    conditions: list[sa.ColumnElement[bool]] = []
    for key, value in wanted:
        match = (
            (tags.c.resource_type == resource_type)
            & (tags.c.resource_id == resource_id)
            & (tags.c.tag_key == key)
        )
        if value is not None:
            match = match & (tags.c.tag_value == value)
        conditions.append(sa.exists().where(match))
    return conditions


class TagRepository(Repository):
    def set(
        self,
        account_id: str,
        resource_type: TagResourceType,
        resource_id: str,
        values: Mapping[str, str],
    ) -> None:
        """Add tags, replacing the value of keys the resource already has."""
        if not values:
            return
        self.remove(resource_type, resource_id, values.keys())
        self._connection.execute(
            tags.insert(),
            [
                {
                    "account_id": account_id,
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                    "tag_key": key,
                    "tag_value": value,
                }
                for key, value in values.items()
            ],
        )

    def remove(
        self, resource_type: TagResourceType, resource_id: str, keys: Iterable[str] | None = None
    ) -> int:
        """Remove the given keys, or every tag of the resource when ``keys`` is ``None``."""
        statement = tags.delete().where(
            (tags.c.resource_type == resource_type) & (tags.c.resource_id == resource_id)
        )
        if keys is not None:
            statement = statement.where(tags.c.tag_key.in_(list(keys)))
        return int(self._connection.execute(statement).rowcount)

    def list(self, resource_type: TagResourceType, resource_id: str) -> list[Tag]:
        return self.for_resources(resource_type, [resource_id]).get(resource_id, [])

    def for_resources(
        self, resource_type: TagResourceType, resource_ids: Iterable[str]
    ) -> dict[str, builtins.list[Tag]]:
        """Tags of many resources in one query (the ``Tags`` of ListRoles / ListPolicies items)."""
        wanted = list(resource_ids)
        if not wanted:
            return {}
        rows = self._connection.execute(
            sa.select(tags)
            .where((tags.c.resource_type == resource_type) & tags.c.resource_id.in_(wanted))
            .order_by(tags.c.resource_id, tags.c.tag_key)
        ).mappings()
        found: dict[str, builtins.list[Tag]] = {}
        for row in rows:
            found.setdefault(row["resource_id"], []).append(to_tag(row))
        return found

    def list_for_account(
        self, account_id: str, resource_type: TagResourceType, *, keys: Iterable[str] | None = None
    ) -> builtins.list[Tag]:
        """Every tag of one resource type in an account, optionally only some keys."""
        statement = sa.select(tags).where(
            (tags.c.account_id == account_id) & (tags.c.resource_type == resource_type)
        )
        if keys is not None:
            statement = statement.where(tags.c.tag_key.in_(list(keys)))
        rows = self._connection.execute(statement.order_by(tags.c.resource_id, tags.c.tag_key))
        return [to_tag(row) for row in rows.mappings()]
