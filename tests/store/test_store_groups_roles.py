"""Groups with their members, and roles with tags, updates and session revocation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import Account, Conflict, ReferenceMissing, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_members_are_listed_both_ways_and_joining_twice_conflicts(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        group = tx.groups.create(account.account_id, group_name="Ops", comments="c", now=NOW)
        users = [
            tx.users.create(account.account_id, user_name=name, now=NOW)
            for name in ("carol", "Alice", "bob")
        ]
        for user in users:
            tx.groups.add_member(group, user.user_id, now=NOW)
        with pytest.raises(Conflict) as raised:
            tx.groups.add_member(group, users[0].user_id, now=NOW)

    with store.read() as tx:
        first = tx.groups.list_members(group.group_id, max_items=2)
        rest = tx.groups.list_members(group.group_id, marker=first.marker, max_items=2)
        of_alice = tx.groups.list_for_user(users[1].user_id)
    assert raised.value.entity == "User.Group"
    assert [m.user.user_name for m in first.items + rest.items] == ["Alice", "bob", "carol"]
    assert [(m.group.group_name, m.joined_at) for m in of_alice] == [("Ops", NOW)]


def test_adding_a_missing_user_to_a_group_is_refused(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        group = tx.groups.create(account.account_id, group_name="ops", now=NOW)
        with pytest.raises(ReferenceMissing):
            tx.groups.add_member(group, "9999999999999999", now=NOW)


def test_group_names_are_unique_in_any_case_and_renames_are_checked(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        ops = tx.groups.create(account.account_id, group_name="ops", now=NOW)
        tx.groups.create(account.account_id, group_name="dev", now=NOW)
        with pytest.raises(Conflict):
            tx.groups.create(account.account_id, group_name="OPS", now=NOW)
        with pytest.raises(Conflict):
            tx.groups.update(replace(ops, group_name="Dev"), now=NOW)
        renamed = tx.groups.update(replace(ops, group_name="Operations"), now=NOW)
        assert tx.groups.get(account.account_id, "operations") == renamed


def test_a_role_has_a_19_digit_id_and_an_arn(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        role = tx.roles.create(
            account.account_id,
            role_name="ECSAdmin",
            assume_role_policy_document='{"Version":"1"}',
            description="ecs",
            max_session_duration=7200,
            now=NOW,
        )
    assert len(role.role_id) == 19
    assert role.role_id.isdigit()
    assert role.arn == f"acs:ram::{account.account_id}:role/ECSAdmin"
    assert not role.is_service_linked_role


def test_role_names_are_unique_in_any_case(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        tx.roles.create(
            account.account_id, role_name="Deployer", assume_role_policy_document="{}", now=NOW
        )
    with pytest.raises(Conflict) as raised, store.transaction() as tx:
        tx.roles.create(
            account.account_id, role_name="deployer", assume_role_policy_document="{}", now=NOW
        )
    assert raised.value.entity == "Role"


def test_updating_a_role_and_revoking_its_sessions(store: Store, account: Account) -> None:
    later = NOW + timedelta(hours=1)
    with store.transaction() as tx:
        role = tx.roles.create(
            account.account_id, role_name="r", assume_role_policy_document="{}", now=NOW
        )
        tx.roles.update(
            replace(role, assume_role_policy_document='{"new":1}', max_session_duration=43200),
            now=later,
        )
        assert tx.roles.revoke_sessions(role.role_id, not_before=later)
    with store.read() as tx:
        found = tx.roles.get(account.account_id, "R")
    assert found is not None
    assert found.assume_role_policy_document == '{"new":1}'
    assert found.max_session_duration == 43200
    assert found.updated_at == later
    assert found.sessions_not_before == later


def test_service_linked_roles_remember_their_service(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        tx.roles.create(
            account.account_id,
            role_name="AliyunServiceRoleForECS",
            assume_role_policy_document="{}",
            service_name="ecs.aliyuncs.com",
            now=NOW,
        )
        linked = tx.roles.list_service_linked(account.account_id, "ecs.aliyuncs.com")
    assert [r.is_service_linked_role for r in linked] == [True]


def test_roles_are_listed_with_tag_filters_and_lose_their_tags_when_deleted(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        a = tx.roles.create(
            account.account_id, role_name="a", assume_role_policy_document="{}", now=NOW
        )
        b = tx.roles.create(
            account.account_id, role_name="b", assume_role_policy_document="{}", now=NOW
        )
        tx.tags.set(account.account_id, "role", a.role_id, {"env": "prod", "team": "ops"})
        tx.tags.set(account.account_id, "role", b.role_id, {"env": "dev"})
        tx.tags.set(account.account_id, "role", b.role_id, {"env": "prod"})
        prod = tx.roles.list(account.account_id, tagged=[("env", "prod")])
        ops = tx.roles.list(account.account_id, tagged=[("env", "prod"), ("team", None)])
        by_role = tx.tags.for_resources("role", [a.role_id, b.role_id])
        assert tx.tags.remove("role", a.role_id, ["team"]) == 1
        assert tx.roles.delete(b.role_id)
        remaining = tx.tags.list_for_account(account.account_id, "role")

    assert [r.role_name for r in prod.items] == ["a", "b"]
    assert [r.role_name for r in ops.items] == ["a"]
    assert {t.key: t.value for t in by_role[b.role_id]} == {"env": "prod"}
    assert [(t.resource_id, t.key) for t in remaining] == [(a.role_id, "env")]
