"""System policies (policy-language decision 13): shipped as data, seeded once, shared by all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ramsts.policy import Request, compile_policy_set, evaluate, parse_policy
from ramsts.ram.system_policies import load_system_policies, seed_system_policies
from ramsts.store import Store, open_store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

EXPECTED_NAMES = {
    "AdministratorAccess",
    "AliyunRAMFullAccess",
    "AliyunRAMReadOnlyAccess",
    "AliyunSTSAssumeRoleAccess",
    "ReadOnlyAccess",
}


@pytest.fixture
def seeded_store(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    seed_system_policies(store, lambda: NOW)
    yield store
    store.dispose()


def allows(policy_name: str, action: str) -> bool:
    document = next(p for p in load_system_policies() if p.policy_name == policy_name)
    policies = compile_policy_set([(policy_name, parse_policy(document.policy_document))])
    decision = evaluate(Request(action=action, resource="*", context={}), identity=policies)
    return decision.effect == "Allow"


def test_the_data_file_holds_the_five_system_policies_with_descriptions() -> None:
    policies = load_system_policies()
    assert {p.policy_name for p in policies} == EXPECTED_NAMES
    assert all(p.description for p in policies)


@pytest.mark.parametrize(
    ("policy_name", "action", "allowed"),
    [
        ("AdministratorAccess", "ecs:DeleteInstance", True),
        ("AliyunRAMFullAccess", "ram:CreateUser", True),
        ("AliyunRAMFullAccess", "sts:AssumeRole", False),
        ("AliyunRAMReadOnlyAccess", "ram:ListUsers", True),
        ("AliyunRAMReadOnlyAccess", "ram:GetRole", True),
        ("AliyunRAMReadOnlyAccess", "ram:CreateUser", False),
        ("AliyunSTSAssumeRoleAccess", "sts:AssumeRole", True),
        ("AliyunSTSAssumeRoleAccess", "ram:ListUsers", False),
        ("ReadOnlyAccess", "ecs:DescribeInstances", True),
        ("ReadOnlyAccess", "iot:BatchGetDeviceState", True),
        ("ReadOnlyAccess", "ram:DeleteUser", False),
    ],
)
def test_each_system_policy_grants_what_decision_13_says(
    policy_name: str, action: str, allowed: bool
) -> None:
    assert allows(policy_name, action) is allowed


def test_seeding_installs_every_system_policy_as_v1(seeded_store: Store) -> None:
    with seeded_store.read() as tx:
        page = tx.policies.list("1000000000000001", policy_type="System")
    assert {p.policy_name for p in page.items} == EXPECTED_NAMES
    assert {p.default_version for p in page.items} == {"v1"}
    assert all(p.account_id is None for p in page.items)


def test_seeding_again_changes_nothing(seeded_store: Store) -> None:
    seed_system_policies(seeded_store, lambda: NOW + timedelta(days=1))
    with seeded_store.read() as tx:
        policy = tx.policies.get("1000000000000001", "System", "AdministratorAccess")
        assert policy is not None
        versions = tx.policies.list_versions(policy.policy_id)
    assert [v.version_id for v in versions] == ["v1"]
    assert json.loads(versions[0].policy_document)["Statement"][0]["Action"] == "*"
