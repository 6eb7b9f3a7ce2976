"""Console login profiles of RAM users (password hash and sign-in requirements)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ramsts.store.records import LoginProfile
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import login_profiles

HISTORY_LENGTH = 24
"""Earlier password hashes kept; PasswordReusePrevention allows at most 24."""


def to_login_profile(row: Mapping[Any, Any]) -> LoginProfile:
    return LoginProfile(
        user_id=row["user_id"],
        account_id=row["account_id"],
        password_hash=row["password_hash"],
        password_reset_required=row["password_reset_required"],
        mfa_bind_required=row["mfa_bind_required"],
        password_history=tuple(row["password_history"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class LoginProfileRepository(Repository):
    def create(
        self,
        account_id: str,
        user_id: str,
        *,
        password_hash: str,
        now: datetime,
        password_reset_required: bool = False,
        mfa_bind_required: bool = False,
    ) -> LoginProfile:
        """Raises ``Conflict("User.LoginProfile")`` when the user has one already."""
        profile = LoginProfile(
            user_id,
            account_id,
            password_hash,
            password_reset_required,
            mfa_bind_required,
            (),
            now,
            now,
        )
        self._write(
            login_profiles.insert().values(
                user_id=user_id,
                account_id=account_id,
                password_hash=password_hash,
                password_reset_required=password_reset_required,
                mfa_bind_required=mfa_bind_required,
                password_history=[],
                created_at=now,
                updated_at=now,
            ),
            entity="User.LoginProfile",
            key=user_id,
            parent="User",
        )
        return profile

    def get(self, user_id: str) -> LoginProfile | None:
        row = (
            self._connection.execute(
                sa.select(login_profiles).where(login_profiles.c.user_id == user_id)
            )
            .mappings()
            .first()
        )
        return to_login_profile(row) if row else None

    def update(self, profile: LoginProfile, *, now: datetime) -> LoginProfile:
        """Write the flags and the password hash of ``profile``. A new hash pushes the
        previous one onto the history."""
        stored = self.get(profile.user_id)
        history = profile.password_history
        if stored is not None and stored.password_hash != profile.password_hash:
            history = (stored.password_hash, *stored.password_history)[:HISTORY_LENGTH]
        changed = replace(profile, password_history=history, updated_at=now)
        self._connection.execute(
            login_profiles.update()
            .where(login_profiles.c.user_id == profile.user_id)
            .values(
                password_hash=changed.password_hash,
                password_reset_required=changed.password_reset_required,
                mfa_bind_required=changed.mfa_bind_required,
                password_history=list(history),
                updated_at=now,
            )
        )
        return changed

    def delete(self, user_id: str) -> bool:
        result = self._connection.execute(
            login_profiles.delete().where(login_profiles.c.user_id == user_id)
        )
        return result.rowcount == 1
