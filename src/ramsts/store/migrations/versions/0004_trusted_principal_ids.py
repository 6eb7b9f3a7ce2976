"""Trust by id: each role keeps the ids of the RAM users and roles its trust policy names.

Revision ID: 0004
Revises: 0003
Create Date: 2025-03-01

A trust policy naming ``acs:ram::<uid>:user/alice`` trusts the user that was ``alice`` when the
policy was written, not a later user of that name. The ids are bound when a trust policy is
written (CreateRole, UpdateRole); this revision binds the policies already stored to the
entities that carry those names now — the best knowledge there is — so that no role changes
whom it trusts on upgrade.

It reads the stored JSON itself, as a one-off: a migration must not depend on the application's
code of the day (the policy engine may change after this revision is frozen). Only the stored
documents were validated, so anything of another shape is left unbound.
"""

from __future__ import annotations

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_RAM_PRINCIPAL = re.compile(r"acs:ram:\*?:([0-9]+):(user|role)/([^/*?]+)")


def _named(document: str) -> list[tuple[str, str, str]]:
    """(kind, account id, name) of each RAM user and role principal the document names."""
    try:
        statements: Any = json.loads(document).get("Statement", [])
    except (ValueError, AttributeError):
        return []
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        values = principal.get("RAM", []) if isinstance(principal, dict) else []
        for value in [values] if isinstance(values, str) else values:
            match = _RAM_PRINCIPAL.fullmatch(value) if isinstance(value, str) else None
            if match is not None:
                found.append((match.group(2), match.group(1), match.group(3)))
    return found


def upgrade() -> None:
    with op.batch_alter_table("roles") as table:
        table.add_column(
            sa.Column("trusted_principal_ids", sa.Text(), server_default="{}", nullable=False)
        )
    connection = op.get_bind()
    roles = sa.table(
        "roles",
        sa.column("role_id"),
        sa.column("account_id"),
        sa.column("role_name"),
        sa.column("assume_role_policy_document"),
        sa.column("trusted_principal_ids"),
    )
    users = sa.table("users", sa.column("user_id"), sa.column("account_id"), sa.column("user_name"))
    entities = {
        "user": (users.c.user_id, users.c.account_id, users.c.user_name),
        "role": (roles.c.role_id, roles.c.account_id, roles.c.role_name),
    }
    rows = connection.execute(sa.select(roles.c.role_id, roles.c.assume_role_policy_document))
    for role_id, document in rows.all():
        bound = {}
        for kind, account_id, name in _named(document):
            entity_id, account, stored_name = entities[kind]
            # The exact spelling: trust principals are matched by name case-sensitively.
            found = connection.execute(
                sa.select(entity_id).where((account == account_id) & (stored_name == name))
            ).scalar()
            if found is not None:
                bound[f"acs:ram::{account_id}:{kind}/{name}"] = found
        if bound:
            connection.execute(
                roles.update()
                .where(roles.c.role_id == role_id)
                .values(
                    trusted_principal_ids=json.dumps(bound, sort_keys=True, separators=(",", ":"))
                )
            )


def downgrade() -> None:
    with op.batch_alter_table("roles") as table:
        table.drop_column("trusted_principal_ids")
