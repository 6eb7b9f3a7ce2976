"""System policies (policy-language decision 13): shipped as data, seeded once, shared by all.

The catalog holds the real service's common system policies with their published documents; where
a document could not be found, the entry says it is reconstructed. Every FullAccess policy allows
its product's actions and every ReadOnlyAccess one refuses its product's writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.policy import Request, compile_policy_set, evaluate, parse_policy
from ramsts.ram.service import RamService
from ramsts.ram.system_policies import (
    DATA_FILE,
    load_system_policies,
    parse_catalog,
    seed_system_policies,
)
from ramsts.store import Account, Store, open_store

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

CATALOG = {policy.policy_name: policy for policy in load_system_policies()}

REQUIRED_NAMES = {
    "AdministratorAccess",
    "ReadOnlyAccess",
    "AliyunRAMFullAccess",
    "AliyunRAMReadOnlyAccess",
    "AliyunSTSAssumeRoleAccess",
    *(
        f"Aliyun{product}{access}"
        for product in (
            "OSS",
            "ECS",
            "RDS",
            "SLB",
            "ALB",
            "VPC",
            "KMS",
            "Log",
            "MNS",
            "OTS",
            "DataHub",
            "IOT",
            "ContainerRegistry",
            "CS",
            "FC",
            "ActionTrail",
        )
        for access in ("FullAccess", "ReadOnlyAccess")
    ),
}

PRODUCT_ACTIONS = {
    "AliyunRAM": ("ram:ListUsers", "ram:DeleteUser"),
    "AliyunOSS": ("oss:GetObject", "oss:PutObject"),
    "AliyunECS": ("ecs:DescribeInstances", "ecs:DeleteInstance"),
    "AliyunECI": ("eci:DescribeContainerGroups", "eci:DeleteContainerGroup"),
    "AliyunRDS": ("rds:DescribeDBInstances", "rds:DeleteDBInstance"),
    "AliyunSLB": ("slb:DescribeLoadBalancers", "slb:DeleteLoadBalancer"),
    "AliyunALB": ("alb:ListLoadBalancers", "alb:DeleteLoadBalancer"),
    "AliyunNLB": ("nlb:ListLoadBalancers", "nlb:DeleteLoadBalancer"),
    "AliyunVPC": ("vpc:DescribeVpcs", "vpc:DeleteVpc"),
    "AliyunKMS": ("kms:ListKeys", "kms:CreateKey"),
    "AliyunLog": ("log:GetLogStoreLogs", "log:DeleteProject"),
    "AliyunMNS": ("mns:ListQueue", "mns:DeleteQueue"),
    "AliyunOTS": ("ots:GetRow", "ots:DeleteTable"),
    "AliyunDataHub": ("dhs:ListProject", "dhs:DeleteProject"),
    "AliyunIOT": ("iot:QueryDevice", "iot:DeleteDevice"),
    "AliyunContainerRegistry": ("cr:ListNamespace", "cr:DeleteNamespace"),
    "AliyunCS": ("cs:DescribeClusters", "cs:DeleteCluster"),
    "AliyunFC": ("fc:GetFunction", "fc:DeleteFunction"),
    "AliyunActionTrail": ("actiontrail:DescribeTrails", "actiontrail:DeleteTrail"),
    "AliyunCloudMonitor": ("cms:DescribeMetricList", "cms:DeleteMetricRules"),
    "AliyunBSS": ("bss:DescribeInstanceBill", "bssapi:CreateInstance"),
}
"""A read and a write action of each product with a FullAccess or ReadOnlyAccess policy."""


def product_of(policy_name: str, access: str) -> str:
    return policy_name.removesuffix(access)


FULL_ACCESS = sorted(n for n in CATALOG if n.startswith("Aliyun") and n.endswith("FullAccess"))
READ_ONLY = sorted(n for n in CATALOG if n.startswith("Aliyun") and n.endswith("ReadOnlyAccess"))


def catalog_entries() -> list[dict[str, Any]]:
    text = resources.files("ramsts.ram").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = json.loads(text)["policies"]
    return entries


def allows(policy_name: str, action: str, resource: str = "*") -> bool:
    document = CATALOG[policy_name].policy_document
    policies = compile_policy_set([(policy_name, parse_policy(document))])
    decision = evaluate(Request(action=action, resource=resource, context={}), identity=policies)
    return decision.effect == "Allow"


@pytest.fixture
def seeded_store(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    seed_system_policies(store, lambda: NOW)
    yield store
    store.dispose()


# -- the catalog ----------------------------------------------------------------------------------


def test_the_catalog_holds_the_common_system_policies_of_the_main_products() -> None:
    assert CATALOG.keys() >= REQUIRED_NAMES
    assert len(CATALOG) == len(catalog_entries())  # no name twice


def test_every_policy_has_a_description_that_fits_the_column() -> None:
    assert all(0 < len(policy.description) <= 1024 for policy in CATALOG.values())


def test_every_entry_says_whether_its_document_is_published_or_reconstructed() -> None:
    for entry in catalog_entries():
        provenance = entry["_provenance"]
        assert provenance["document"] in ("published", "reconstructed"), entry["PolicyName"]
        assert provenance["description"] in ("published", "pattern"), entry["PolicyName"]
        if provenance["document"] == "published":
            assert provenance["page"].startswith("https://"), entry["PolicyName"]
        else:
            assert provenance["basis"], entry["PolicyName"]


def test_every_document_is_version_1_with_statements() -> None:
    for policy in CATALOG.values():
        document = json.loads(policy.policy_document)
        assert document["Version"] == "1"
        assert document["Statement"], policy.policy_name


def test_a_system_policy_may_be_longer_than_a_custom_one() -> None:
    actions = [f"ecs:Describe{'X' * 40}{n}" for n in range(200)]
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    assert len(json.dumps(document)) > 6144
    catalog = {"policies": [{"PolicyName": "Long", "Description": "d", "PolicyDocument": document}]}
    [loaded] = parse_catalog(json.dumps(catalog))
    assert json.loads(loaded.policy_document) == document


# -- what each grants -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy_name", "action", "allowed"),
    [
        ("AdministratorAccess", "ecs:DeleteInstance", True),
        ("AliyunRAMFullAccess", "ram:CreateUser", True),
        ("AliyunRAMFullAccess", "sts:AssumeRole", False),
        ("AliyunRAMReadOnlyAccess", "ram:ListUsers", True),
        ("AliyunRAMReadOnlyAccess", "ram:GetRole", True),
        ("AliyunRAMReadOnlyAccess", "ram:GenerateCredentialReport", True),
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


def test_every_product_with_a_full_or_read_only_policy_has_its_actions_named() -> None:
    products = {product_of(name, "FullAccess") for name in FULL_ACCESS}
    products |= {product_of(name, "ReadOnlyAccess") for name in READ_ONLY}
    assert products == PRODUCT_ACTIONS.keys()


@pytest.mark.parametrize("policy_name", FULL_ACCESS)
def test_a_full_access_policy_allows_its_products_reads_and_writes(policy_name: str) -> None:
    read, write = PRODUCT_ACTIONS[product_of(policy_name, "FullAccess")]
    assert allows(policy_name, read)
    assert allows(policy_name, write)


@pytest.mark.parametrize("policy_name", READ_ONLY)
def test_a_read_only_policy_allows_its_products_reads_and_refuses_its_writes(
    policy_name: str,
) -> None:
    read, write = PRODUCT_ACTIONS[product_of(policy_name, "ReadOnlyAccess")]
    assert allows(policy_name, read)
    assert not allows(policy_name, write)


@pytest.mark.parametrize(("read", "write"), sorted(PRODUCT_ACTIONS.values()))
def test_read_only_access_allows_every_products_reads_and_no_writes(read: str, write: str) -> None:
    assert allows("ReadOnlyAccess", read)
    assert not allows("ReadOnlyAccess", write)
    assert allows("AdministratorAccess", write)


def test_a_full_access_policys_service_linked_role_grant_is_bound_to_its_service() -> None:
    def decide(service_name: str) -> bool:
        document = CATALOG["AliyunALBFullAccess"].policy_document
        policies = compile_policy_set([("alb", parse_policy(document))])
        request = Request(
            action="ram:CreateServiceLinkedRole",
            resource="*",
            context={"ram:ServiceName": service_name},
        )
        return evaluate(request, identity=policies).allowed

    assert decide("alb.aliyuncs.com")
    assert not decide("ecs.aliyuncs.com")


def test_a_session_of_a_role_with_oss_full_access_may_get_an_object(
    ram: RamService, account: Account, role_session: Callable[..., Caller]
) -> None:
    seed_system_policies(ram.store, lambda: NOW)
    session = role_session("oss-uploader")
    assert session.role_id is not None
    with ram.store.transaction() as tx:
        policy = tx.policies.get(account.account_id, "System", "AliyunOSSFullAccess")
        assert policy is not None
        tx.attachments.attach(
            "Role", session.role_id, policy, account_id=account.account_id, now=NOW
        )
    resource = f"acs:oss:*:{account.account_id}:examplebucket/photo.jpg"
    assert ram.authorizer.decide(session, "oss:GetObject", resource).allowed
    assert not ram.authorizer.decide(session, "ecs:DescribeInstances", "*").allowed


# -- seeding --------------------------------------------------------------------------------------


def test_seeding_installs_every_system_policy_as_v1(seeded_store: Store) -> None:
    with seeded_store.read() as tx:
        page = tx.policies.list("1000000000000001", policy_type="System", max_items=1000)
    assert {p.policy_name for p in page.items} == CATALOG.keys()
    assert {p.default_version for p in page.items} == {"v1"}
    assert all(p.account_id is None for p in page.items)
    assert {p.policy_name: p.description for p in page.items} == {
        name: policy.description for name, policy in CATALOG.items()
    }


def test_seeding_again_changes_nothing(seeded_store: Store) -> None:
    seed_system_policies(seeded_store, lambda: NOW + timedelta(days=1))
    with seeded_store.read() as tx:
        policy = tx.policies.get("1000000000000001", "System", "AdministratorAccess")
        assert policy is not None
        versions = tx.policies.list_versions(policy.policy_id)
    assert [v.version_id for v in versions] == ["v1"]
    assert json.loads(versions[0].policy_document)["Statement"][0]["Action"] == "*"
