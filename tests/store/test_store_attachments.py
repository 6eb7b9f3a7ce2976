"""Attachments, and the policies in force for a user (with its groups) and for a role."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ramsts.store import Account, Conflict, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_attaching_twice_conflicts_and_detaching_reports_whether_it_was_attached(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        group = tx.groups.create(account.account_id, group_name="ops", now=NOW)
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        tx.attachments.attach(
            "Group", group.group_id, policy, account_id=account.account_id, now=NOW
        )
        with pytest.raises(Conflict) as raised:
            tx.attachments.attach(
                "Group", group.group_id, policy, account_id=account.account_id, now=NOW
            )
        assert tx.attachments.detach("Group", group.group_id, policy.policy_id)
        assert not tx.attachments.detach("Group", group.group_id, policy.policy_id)
    assert raised.value.entity == "Group.Policy"


def test_a_users_policies_in_force_include_its_groups_with_default_documents(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        user = tx.users.create(account.account_id, user_name="alice", now=NOW)
        group = tx.groups.create(account.account_id, group_name="Ops", now=NOW)
        tx.groups.add_member(group, user.user_id, now=NOW)
        direct = tx.policies.create_custom(
            account.account_id, policy_name="direct", policy_document='{"d":1}', now=NOW
        )
        tx.policies.add_version(direct.policy_id, '{"d":2}', now=NOW, set_default=True)
        shared = tx.policies.put_system(
            policy_name="AliyunSTSAssumeRoleAccess",
            policy_document='{"s":1}',
            description="",
            now=NOW,
        )
        tx.attachments.attach("User", user.user_id, direct, account_id=account.account_id, now=NOW)
        tx.attachments.attach(
            "Group", group.group_id, shared, account_id=account.account_id, now=NOW
        )

    with store.read() as tx:
        in_force = tx.attachments.effective_for_user(user.user_id)

    assert [
        (p.policy_name, p.policy_type, p.version_id, p.policy_document, p.attached_to, p.group_name)
        for p in in_force
    ] == [
        ("direct", "Custom", "v2", '{"d":2}', "User", None),
        ("AliyunSTSAssumeRoleAccess", "System", "v1", '{"s":1}', "Group", "Ops"),
    ]


def test_a_roles_policies_in_force_and_its_attachment_listing(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        role = tx.roles.create(
            account.account_id, role_name="deployer", assume_role_policy_document="{}", now=NOW
        )
        policy = tx.policies.create_custom(
            account.account_id, policy_name="deploy", policy_document='{"x":1}', now=NOW
        )
        tx.attachments.attach("Role", role.role_id, policy, account_id=account.account_id, now=NOW)

    with store.read() as tx:
        in_force = tx.attachments.effective_for_role(role.role_id)
        listed = tx.attachments.list_for("Role", role.role_id, account_id=account.account_id)
        entities = tx.attachments.entities(policy.policy_id, account_id=account.account_id)
        custom = tx.attachments.count_for("Role", role.role_id, "Custom")
        system = tx.attachments.count_for("Role", role.role_id, "System")

    assert [(p.policy_name, p.policy_document) for p in in_force] == [("deploy", '{"x":1}')]
    assert [(a.policy.policy_name, a.policy.attachment_count, a.attached_at) for a in listed] == [
        ("deploy", 1, NOW)
    ]
    assert [r.role_name for r, _ in entities.roles] == ["deployer"]
    assert entities.users == ()
    assert (custom, system) == (1, 0)


def test_a_system_policys_attachment_count_is_per_account(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        other = tx.accounts.create(name="other", now=NOW)
        policy = tx.policies.put_system(
            policy_name="ReadOnlyAccess", policy_document="{}", description="", now=NOW
        )
        for owner in (account, other):
            user = tx.users.create(owner.account_id, user_name="u", now=NOW)
            tx.attachments.attach(
                "User", user.user_id, policy, account_id=owner.account_id, now=NOW
            )
        role = tx.roles.create(
            account.account_id, role_name="r", assume_role_policy_document="{}", now=NOW
        )
        tx.attachments.attach("Role", role.role_id, policy, account_id=account.account_id, now=NOW)

    with store.read() as tx:
        mine = tx.policies.get(account.account_id, "System", "ReadOnlyAccess")
        theirs = tx.policies.get(other.account_id, "System", "ReadOnlyAccess")
        entities = tx.attachments.entities(policy.policy_id, account_id=other.account_id)
    assert mine is not None
    assert theirs is not None
    assert (mine.attachment_count, theirs.attachment_count) == (2, 1)
    assert len(entities.users) == 1
    assert entities.roles == ()
