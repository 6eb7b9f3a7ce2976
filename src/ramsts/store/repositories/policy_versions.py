"""Policy versions: ``v<N>`` ids from a per-policy counter that only grows (so a deleted
version's id is never reused), and the default version, which is recorded on the policy row alone
so that there is always exactly one."""

from __future__ import annotations

import builtins
import re
from datetime import datetime

import sqlalchemy as sa

from ramsts.store.records import PolicyVersion
from ramsts.store.repositories.base import Repository
from ramsts.store.schema import policies, policy_versions

_VERSION_ID = re.compile(r"v([1-9][0-9]{0,8})")


def version_number(version_id: str) -> int | None:
    """``"v3"`` → 3; anything else → ``None`` (and so "no such version")."""
    match = _VERSION_ID.fullmatch(version_id)
    return int(match.group(1)) if match else None


class PolicyVersionRepository(Repository):
    """The version half of ``tx.policies`` (the policy repository extends it)."""

    def add_version(
        self, policy_id: str, policy_document: str, *, now: datetime, set_default: bool
    ) -> PolicyVersion:
        """Add the next version (``v<N+1>``). Bumping the counter locks the policy row, so
        concurrent CreatePolicyVersion calls get distinct ids."""
        bumped = self._connection.execute(
            policies.update()
            .where(policies.c.policy_id == policy_id)
            .values(last_version_number=policies.c.last_version_number + 1, updated_at=now)
            .returning(policies.c.last_version_number)
        ).scalar_one()
        number = int(bumped)
        self._connection.execute(
            policy_versions.insert().values(
                policy_id=policy_id,
                version_number=number,
                policy_document=policy_document,
                created_at=now,
            )
        )
        if set_default:
            self._connection.execute(
                policies.update()
                .where(policies.c.policy_id == policy_id)
                .values(default_version_number=number)
            )
        return PolicyVersion(policy_id, f"v{number}", policy_document, set_default, now)

    def get_version(self, policy_id: str, version_id: str) -> PolicyVersion | None:
        number = version_number(version_id)
        if number is None:
            return None
        found = self._versions(
            (policy_versions.c.policy_id == policy_id)
            & (policy_versions.c.version_number == number)
        )
        return found[0] if found else None

    def default_version(self, policy_id: str) -> PolicyVersion | None:
        found = self._versions(
            (policy_versions.c.policy_id == policy_id)
            & (policy_versions.c.version_number == policies.c.default_version_number)
        )
        return found[0] if found else None

    def list_versions(self, policy_id: str) -> builtins.list[PolicyVersion]:
        """Every version, oldest first."""
        return self._versions(policy_versions.c.policy_id == policy_id)

    def count_versions(self, policy_id: str) -> int:
        statement = sa.select(sa.func.count()).where(policy_versions.c.policy_id == policy_id)
        return int(self._connection.execute(statement).scalar_one())

    def oldest_non_default_version(self, policy_id: str) -> PolicyVersion | None:
        """What ``DeleteOldestNonDefaultVersionWhenLimitExceeded`` removes."""
        found = [v for v in self.list_versions(policy_id) if not v.is_default_version]
        return found[0] if found else None

    def delete_version(self, policy_id: str, version_id: str) -> bool:
        """Delete a non-default version; the default version is never deleted here."""
        number = version_number(version_id)
        if number is None:
            return False
        default = (
            sa.select(policies.c.default_version_number)
            .where(policies.c.policy_id == policy_id)
            .scalar_subquery()
        )
        result = self._connection.execute(
            policy_versions.delete().where(
                (policy_versions.c.policy_id == policy_id)
                & (policy_versions.c.version_number == number)
                & (policy_versions.c.version_number != default)
            )
        )
        return result.rowcount == 1

    def set_default_version(self, policy_id: str, version_id: str, *, now: datetime) -> bool:
        """Make an existing version the default; ``False`` if there is no such version."""
        number = version_number(version_id)
        if number is None:
            return False
        exists = sa.exists().where(
            (policy_versions.c.policy_id == policy_id)
            & (policy_versions.c.version_number == number)
        )
        result = self._connection.execute(
            policies.update()
            .where((policies.c.policy_id == policy_id) & exists)
            .values(default_version_number=number, updated_at=now)
        )
        return result.rowcount == 1

    def _versions(self, condition: sa.ColumnElement[bool]) -> builtins.list[PolicyVersion]:
        rows = self._connection.execute(
            sa.select(
                policy_versions,
                (policy_versions.c.version_number == policies.c.default_version_number).label(
                    "is_default"
                ),
            )
            .join(policies, policies.c.policy_id == policy_versions.c.policy_id)
            .where(condition)
            .order_by(policy_versions.c.version_number)
        ).mappings()
        return [
            PolicyVersion(
                policy_id=row["policy_id"],
                version_id=f"v{row['version_number']}",
                policy_document=row["policy_document"],
                is_default_version=bool(row["is_default"]),
                created_at=row["created_at"],
            )
            for row in rows
        ]
