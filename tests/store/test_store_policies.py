"""Policies and versions: custom per account, system shared, version ids that only grow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ramsts.store import Account, Conflict, Store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ALLOW_ALL = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def test_a_custom_policy_starts_with_v1_as_its_default(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        policy = tx.policies.create_custom(
            account.account_id,
            policy_name="ReadLogs",
            policy_document=ALLOW_ALL,
            description="logs",
            now=NOW,
        )
    with store.read() as tx:
        found = tx.policies.get(account.account_id, "Custom", "readlogs")
        versions = tx.policies.list_versions(policy.policy_id)
    assert found == policy
    assert found is not None
    assert found.default_version == "v1"
    assert found.attachment_count == 0
    assert [(v.version_id, v.is_default_version, v.policy_document) for v in versions] == [
        ("v1", True, ALLOW_ALL)
    ]


def test_custom_policy_names_are_unique_per_account_in_any_case(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        tx.policies.create_custom(
            account.account_id, policy_name="ReadLogs", policy_document="{}", now=NOW
        )
    with pytest.raises(Conflict) as raised, store.transaction() as tx:
        tx.policies.create_custom(
            account.account_id, policy_name="READLOGS", policy_document="{}", now=NOW
        )
    assert raised.value.entity == "Policy"


def test_system_policies_are_shared_and_a_custom_one_may_reuse_their_name(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        system = tx.policies.put_system(
            policy_name="AdministratorAccess",
            policy_document=ALLOW_ALL,
            description="admin",
            now=NOW,
        )
        other = tx.accounts.create(name="other", now=NOW)
        custom = tx.policies.create_custom(
            account.account_id, policy_name="AdministratorAccess", policy_document="{}", now=NOW
        )
    with store.read() as tx:
        assert tx.policies.get(other.account_id, "System", "administratoraccess") == system
        assert tx.policies.get(account.account_id, "Custom", "AdministratorAccess") == custom
        assert tx.policies.get(other.account_id, "Custom", "AdministratorAccess") is None
        mine = tx.policies.list(account.account_id)
        theirs = tx.policies.list(other.account_id, policy_type="System")
    assert [p.policy_type for p in mine.items] == ["Custom", "System"] or [
        p.policy_type for p in mine.items
    ] == ["System", "Custom"]
    assert [p.policy_id for p in theirs.items] == [system.policy_id]
    assert system.account_id is None


def test_reseeding_a_changed_system_policy_makes_a_new_default_version(store: Store) -> None:
    with store.transaction() as tx:
        first = tx.policies.put_system(
            policy_name="ReadOnlyAccess", policy_document="{}", description="ro", now=NOW
        )
        same = tx.policies.put_system(
            policy_name="ReadOnlyAccess", policy_document="{}", description="ro", now=NOW
        )
        changed = tx.policies.put_system(
            policy_name="ReadOnlyAccess", policy_document=ALLOW_ALL, description="ro", now=NOW
        )
        default = tx.policies.default_version(first.policy_id)
    assert same.default_version == "v1"
    assert changed.default_version == "v2"
    assert default is not None
    assert default.policy_document == ALLOW_ALL


def test_a_catalog_is_seeded_whole_and_reseeding_changes_only_what_changed(store: Store) -> None:
    catalog = [("ReadOnlyAccess", "ro", "{}"), ("AdministratorAccess", "admin", ALLOW_ALL)]
    with store.transaction() as tx:
        tx.policies.put_system_catalog(catalog, now=NOW)
        tx.policies.put_system_catalog(catalog, now=NOW)
    with store.transaction() as tx:
        tx.policies.put_system_catalog(
            [
                ("ReadOnlyAccess", "read only", ALLOW_ALL),
                ("AdministratorAccess", "admin", ALLOW_ALL),
            ],
            now=NOW,
        )
    with store.read() as tx:
        seeded = {
            policy.policy_name: policy
            for policy in tx.policies.list("", policy_type="System", max_items=100).items
        }
        changed = tx.policies.default_version(seeded["ReadOnlyAccess"].policy_id)
    assert {name: policy.default_version for name, policy in seeded.items()} == {
        "ReadOnlyAccess": "v2",
        "AdministratorAccess": "v1",
    }
    assert seeded["ReadOnlyAccess"].description == "read only"
    assert changed is not None and changed.policy_document == ALLOW_ALL


def test_version_ids_only_grow_and_the_default_is_never_deleted(
    store: Store, account: Account
) -> None:
    later = NOW + timedelta(minutes=1)
    with store.transaction() as tx:
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        v2 = tx.policies.add_version(policy.policy_id, "{2}", now=later, set_default=False)
        v3 = tx.policies.add_version(policy.policy_id, "{3}", now=later, set_default=True)
        assert tx.policies.delete_version(policy.policy_id, "v2")
        v4 = tx.policies.add_version(policy.policy_id, "{4}", now=later, set_default=False)
        assert not tx.policies.delete_version(policy.policy_id, "v3")
        assert not tx.policies.delete_version(policy.policy_id, "v9")
        assert not tx.policies.delete_version(policy.policy_id, "latest")
        oldest = tx.policies.oldest_non_default_version(policy.policy_id)
        versions = tx.policies.list_versions(policy.policy_id)
        refreshed = tx.policies.get_by_id(policy.policy_id, account.account_id)

    assert (v2.version_id, v3.version_id, v4.version_id) == ("v2", "v3", "v4")
    assert [(v.version_id, v.is_default_version) for v in versions] == [
        ("v1", False),
        ("v3", True),
        ("v4", False),
    ]
    assert oldest is not None
    assert oldest.version_id == "v1"
    assert refreshed is not None
    assert refreshed.default_version == "v3"


def test_setting_the_default_version_needs_an_existing_version(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        tx.policies.add_version(policy.policy_id, "{2}", now=NOW, set_default=False)
        assert not tx.policies.set_default_version(policy.policy_id, "v7", now=NOW)
        assert tx.policies.set_default_version(policy.policy_id, "v2", now=NOW)
        default = tx.policies.default_version(policy.policy_id)
        v1 = tx.policies.get_version(policy.policy_id, "v1")
    assert default is not None
    assert default.version_id == "v2"
    assert v1 is not None
    assert not v1.is_default_version


def test_deleting_a_policy_removes_its_versions_attachments_and_tags(
    store: Store, account: Account
) -> None:
    with store.transaction() as tx:
        policy = tx.policies.create_custom(
            account.account_id, policy_name="p", policy_document="{}", now=NOW
        )
        tx.policies.add_version(policy.policy_id, "{2}", now=NOW, set_default=False)
        role = tx.roles.create(
            account.account_id, role_name="r", assume_role_policy_document="{}", now=NOW
        )
        tx.attachments.attach("Role", role.role_id, policy, account_id=account.account_id, now=NOW)
        tx.tags.set(account.account_id, "policy", policy.policy_id, {"team": "ops"})

    with store.transaction() as tx:
        assert tx.policies.delete(policy.policy_id)

    with store.read() as tx:
        assert tx.policies.list_versions(policy.policy_id) == []
        assert tx.attachments.list_for("Role", role.role_id, account_id=account.account_id) == []
        assert tx.tags.list("policy", policy.policy_id) == []
        assert tx.policies.count_custom(account.account_id) == 0


def test_listing_policies_filters_by_tag(store: Store, account: Account) -> None:
    with store.transaction() as tx:
        tagged = tx.policies.create_custom(
            account.account_id, policy_name="a", policy_document="{}", now=NOW
        )
        tx.policies.create_custom(
            account.account_id, policy_name="b", policy_document="{}", now=NOW
        )
        tx.tags.set(account.account_id, "policy", tagged.policy_id, {"team": "ops"})
        by_key = tx.policies.list(account.account_id, tagged=[("team", None)])
        by_value = tx.policies.list(account.account_id, tagged=[("team", "dev")])
    assert [p.policy_name for p in by_key.items] == ["a"]
    assert by_value.items == ()
