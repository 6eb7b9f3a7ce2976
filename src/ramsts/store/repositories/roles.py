"""RAM roles, including service-linked roles and the revocation of their sessions."""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store import ids
from ramsts.store.columns import fold_name
from ramsts.store.paging import DEFAULT_MAX_ITEMS, fetch_page
from ramsts.store.records import Page, Role
from ramsts.store.repositories.base import Repository
from ramsts.store.repositories.tags import TagFilter, matching_tags
from ramsts.store.schema import role_policy_attachments, roles, tags

EDITABLE = (
    "description",
    "assume_role_policy_document",
    "max_session_duration",
    "allow_console_login",
)
TrustedIds = tuple[tuple[str, str], ...]


def to_role(row: Mapping[Any, Any]) -> Role:
    return Role(
        role_id=row["role_id"],
        account_id=row["account_id"],
        role_name=row["role_name"],
        description=row["description"],
        assume_role_policy_document=row["assume_role_policy_document"],
        max_session_duration=row["max_session_duration"],
        allow_console_login=row["allow_console_login"],
        is_service_linked_role=row["is_service_linked_role"],
        service_name=row["service_name"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        sessions_not_before=row["sessions_not_before"],
        trusted_principal_ids=_trusted_ids(row["trusted_principal_ids"]),
    )


def _trusted_ids(stored: str) -> TrustedIds:
    return tuple(sorted(json.loads(stored).items()))


def _stored_ids(trusted: TrustedIds) -> str:
    return json.dumps(dict(trusted), sort_keys=True, separators=(",", ":"))


class RoleRepository(Repository):
    def create(
        self,
        account_id: str,
        *,
        role_name: str,
        assume_role_policy_document: str,
        now: datetime,
        description: str = "",
        max_session_duration: int = 3600,
        allow_console_login: bool = False,
        service_name: str | None = None,
        trusted_principal_ids: TrustedIds = (),
    ) -> Role:
        """Raises ``Conflict("Role")`` when the name is taken (in any letter case).

        A ``service_name`` makes it a service-linked role. ``trusted_principal_ids`` are the
        ids the trust policy's named users and roles were bound to (see ``Role``).
        """
        role = Role(
            role_id=ids.new_role_id(),
            account_id=account_id,
            role_name=role_name,
            description=description,
            assume_role_policy_document=assume_role_policy_document,
            max_session_duration=max_session_duration,
            allow_console_login=allow_console_login,
            is_service_linked_role=service_name is not None,
            service_name=service_name,
            created_at=now,
            updated_at=now,
            sessions_not_before=None,
            trusted_principal_ids=tuple(sorted(trusted_principal_ids)),
        )
        columns = {
            **asdict(role),
            "name_key": fold_name(role_name),
            "trusted_principal_ids": _stored_ids(role.trusted_principal_ids),
        }
        self._write(
            roles.insert().values(**columns),
            entity="Role",
            key=role_name,
            parent="Account",
        )
        return role

    def get(self, account_id: str, role_name: str) -> Role | None:
        """The hot lookup of AssumeRole: one query on the unique (account, name) index."""
        return self._one(
            (roles.c.account_id == account_id) & (roles.c.name_key == fold_name(role_name))
        )

    def get_by_id(self, role_id: str) -> Role | None:
        return self._one(roles.c.role_id == role_id)

    def update(self, role: Role, *, now: datetime) -> Role:
        """Write the editable fields (description, trust policy and the ids its principals are
        bound to, MaxSessionDuration, AllowConsoleLogin) of ``role``; roles are never renamed."""
        changed = replace(
            role, updated_at=now, trusted_principal_ids=tuple(sorted(role.trusted_principal_ids))
        )
        values: dict[str, object] = {name: getattr(changed, name) for name in EDITABLE}
        values["trusted_principal_ids"] = _stored_ids(changed.trusted_principal_ids)
        self._connection.execute(
            roles.update().where(roles.c.role_id == role.role_id).values(**values, updated_at=now)
        )
        return changed

    def revoke_sessions(self, role_id: str, *, not_before: datetime) -> bool:
        """Make every session of the role issued before ``not_before`` invalid."""
        result = self._connection.execute(
            roles.update().where(roles.c.role_id == role_id).values(sessions_not_before=not_before)
        )
        return result.rowcount == 1

    def delete(self, role_id: str) -> bool:
        """Delete a role with its attachments (cascade) and its tags."""
        self._connection.execute(
            tags.delete().where((tags.c.resource_type == "role") & (tags.c.resource_id == role_id))
        )
        result = self._connection.execute(roles.delete().where(roles.c.role_id == role_id))
        return result.rowcount == 1

    def list(
        self,
        account_id: str,
        *,
        marker: str | None = None,
        max_items: int = DEFAULT_MAX_ITEMS,
        tagged: TagFilter = (),
    ) -> Page[Role]:
        statement = sa.select(roles).where(
            roles.c.account_id == account_id, *matching_tags("role", roles.c.role_id, tagged)
        )
        return fetch_page(
            self._connection,
            statement,
            name_key=roles.c.name_key,
            row_id=roles.c.role_id,
            marker=marker,
            max_items=max_items,
            convert=to_role,
        )

    def list_service_linked(self, account_id: str, service_name: str) -> builtins.list[Role]:
        rows = self._connection.execute(
            sa.select(roles)
            .where((roles.c.account_id == account_id) & (roles.c.service_name == service_name))
            .order_by(roles.c.name_key)
        )
        return [to_role(row) for row in rows.mappings()]

    def count(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(roles.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    def count_policies(self, role_id: str) -> int:
        statement = sa.select(sa.func.count()).where(role_policy_attachments.c.role_id == role_id)
        return int(self._connection.execute(statement).scalar_one())

    def _one(self, condition: sa.ColumnElement[bool]) -> Role | None:
        row = self._connection.execute(sa.select(roles).where(condition)).mappings().first()
        return to_role(row) if row else None
