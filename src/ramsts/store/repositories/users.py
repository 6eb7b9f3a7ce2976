"""RAM users: names unique case-insensitively within an account, listed by name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store import ids
from ramsts.store.columns import fold_name
from ramsts.store.paging import DEFAULT_MAX_ITEMS, fetch_page
from ramsts.store.prepared import Precompiled
from ramsts.store.records import Page, User, UserDependents
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import (
    access_keys,
    group_memberships,
    login_profiles,
    user_policy_attachments,
    users,
    virtual_mfa_devices,
)

_BY_NAME = Precompiled(
    sa.select(users).where(
        (users.c.account_id == sa.bindparam("account_id"))
        & (users.c.name_key == sa.bindparam("name_key"))
    )
)
"""GetUser's lookup, and that of every action naming a user: prepared (it runs per request)."""


def to_user(row: Mapping[Any, Any]) -> User:
    return User(
        user_id=row["user_id"],
        account_id=row["account_id"],
        user_name=row["user_name"],
        display_name=row["display_name"],
        email=row["email"],
        mobile_phone=row["mobile_phone"],
        comments=row["comments"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_login_at=row["last_login_at"],
    )


class UserRepository(Repository):
    def create(
        self,
        account_id: str,
        *,
        user_name: str,
        now: datetime,
        display_name: str = "",
        email: str = "",
        mobile_phone: str = "",
        comments: str = "",
    ) -> User:
        """Raises ``Conflict("User")`` when the name is taken (in any letter case)."""
        user = User(
            user_id=ids.new_user_id(),
            account_id=account_id,
            user_name=user_name,
            display_name=display_name,
            email=email,
            mobile_phone=mobile_phone,
            comments=comments,
            created_at=now,
            updated_at=now,
            last_login_at=None,
        )
        self._write(
            users.insert().values(**_columns(user)),
            entity="User",
            key=user_name,
            parent="Account",
        )
        return user

    def get(self, account_id: str, user_name: str) -> User | None:
        rows = self._fetch(_BY_NAME, {"account_id": account_id, "name_key": fold_name(user_name)})
        return to_user(rows[0]) if rows else None

    def get_by_id(self, user_id: str) -> User | None:
        return self._one(users.c.user_id == user_id)

    def update(self, user: User, *, now: datetime) -> User:
        """Write every editable field of ``user`` (build it with ``dataclasses.replace``).

        A new ``user_name`` is a rename; raises ``Conflict("User")`` when the new name is taken.
        """
        changed = replace(user, updated_at=now)
        values = _columns(changed)
        for fixed in ("user_id", "account_id", "created_at"):
            del values[fixed]
        self._write(
            users.update().where(users.c.user_id == user.user_id).values(**values),
            entity="User",
            key=user.user_name,
        )
        return changed

    def record_login(self, user_id: str, now: datetime) -> None:
        self._connection.execute(
            users.update().where(users.c.user_id == user_id).values(last_login_at=now)
        )

    def delete(self, user_id: str) -> bool:
        """Delete a user with its keys, login profile, memberships and attachments (cascade);
        a bound MFA device is released. Check :meth:`dependents` first for RAM's rules."""
        result = self._connection.execute(users.delete().where(users.c.user_id == user_id))
        return result.rowcount == 1

    def list(
        self, account_id: str, *, marker: str | None = None, max_items: int = DEFAULT_MAX_ITEMS
    ) -> Page[User]:
        return fetch_page(
            self._connection,
            sa.select(users).where(users.c.account_id == account_id),
            name_key=users.c.name_key,
            row_id=users.c.user_id,
            marker=marker,
            max_items=max_items,
            convert=to_user,
        )

    def count(self, account_id: str) -> int:
        statement = sa.select(sa.func.count()).where(users.c.account_id == account_id)
        return int(self._connection.execute(statement).scalar_one())

    def dependents(self, user_id: str) -> UserDependents:
        """Everything that blocks DeleteUser, counted in one round trip."""

        def count(table: sa.Table) -> sa.ScalarSelect[int]:
            return (
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.user_id == user_id)
                .scalar_subquery()
            )

        row = self._connection.execute(
            sa.select(
                count(access_keys).label("access_keys"),
                count(login_profiles).label("login_profiles"),
                count(virtual_mfa_devices).label("mfa_devices"),
                count(group_memberships).label("groups"),
                count(user_policy_attachments).label("policies"),
            )
        ).one()
        return UserDependents(
            access_keys=int(row.access_keys),
            login_profile=bool(row.login_profiles),
            mfa_device=bool(row.mfa_devices),
            groups=int(row.groups),
            policies=int(row.policies),
        )

    def _one(self, condition: sa.ColumnElement[bool]) -> User | None:
        row = self._connection.execute(sa.select(users).where(condition)).mappings().first()
        return to_user(row) if row else None


def _columns(user: User) -> dict[str, object]:
    return {**asdict(user), "name_key": fold_name(user.user_name)}
