"""Tags on roles and custom policies: TagResources, UntagResources, ListTagResources."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ramsts.caller import Caller
from ramsts.errors import RamstsError
from ramsts.ram.service import RamService
from ramsts.ram.tags import Tagging, TagListing, Untagging, list_tag_resources, tag_resources


def statement(effect: str, action: str) -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": "*"}


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(RamstsError) as raised:
        call()
    return raised.value.code


def tags(*pairs: tuple[str, str]) -> str:
    return json.dumps([{"Key": key, "Value": value} for key, value in pairs])


@pytest.fixture
def resources(ram_actions: Any, root: Caller) -> None:
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": [f"acs:ram::{root.account_id}:root"]},
            }
        ],
    }
    for name in ("alpha", "beta"):
        ram_actions.call(
            root, "CreateRole", RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
        )
    document = {"Version": "1", "Statement": [statement("Allow", "iot:*")]}
    ram_actions.call(root, "CreatePolicy", PolicyName="IoT", PolicyDocument=json.dumps(document))


def listed(actions: Any, root: Caller, resource_type: str, **params: str) -> list[tuple]:
    body = actions.call(root, "ListTagResources", ResourceType=resource_type, **params)
    return [
        (r["ResourceName"], r["ResourceType"], r["TagKey"], r["TagValue"])
        for r in body["TagResources"]
    ]


@pytest.mark.usefixtures("resources")
def test_tag_list_and_untag_roles(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(
        root,
        "TagResources",
        ResourceType="role",
        ResourceNames=json.dumps(["beta", "alpha"]),
        Tag=tags(("env", "prod"), ("team", "iot")),
    )
    ram_actions.call(
        root,
        "TagResources",
        ResourceType="role",
        ResourceNames='["beta"]',
        Tag=tags(("env", "dev")),
    )
    assert listed(ram_actions, root, "role") == [
        ("alpha", "role", "env", "prod"),
        ("alpha", "role", "team", "iot"),
        ("beta", "role", "env", "dev"),
        ("beta", "role", "team", "iot"),
    ]
    ram_actions.call(
        root, "UntagResources", ResourceType="role", ResourceNames='["alpha"]', TagKeys='["env"]'
    )
    ram_actions.call(
        root, "UntagResources", ResourceType="role", ResourceNames='["beta"]', All="true"
    )
    assert listed(ram_actions, root, "role") == [("alpha", "role", "team", "iot")]


@pytest.mark.usefixtures("resources")
def test_custom_policies_are_taggable_and_show_tags_in_listings(
    ram_actions: Any, root: Caller
) -> None:
    ram_actions.call(
        root, "TagResources", ResourceType="policy", ResourceNames='["IoT"]', Tag=tags(("k", "v"))
    )
    assert listed(ram_actions, root, "policy", ResourceNames='["IoT"]') == [
        ("IoT", "policy", "k", "v")
    ]
    policies = ram_actions.call(root, "ListPolicies", PolicyType="Custom")["Policies"]["Policy"]
    assert policies[0]["Tags"] == {"Tag": [{"TagKey": "k", "TagValue": "v"}]}
    code = code_of(
        lambda: ram_actions.call(
            root,
            "TagResources",
            ResourceType="policy",
            ResourceNames='["ReadOnlyAccess"]',
            Tag=tags(("k", "v")),
        )
    )
    assert code == "EntityNotExist.Policy"


@pytest.mark.usefixtures("resources")
def test_list_tag_resources_pages_with_next_token(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(
        root,
        "TagResources",
        ResourceType="role",
        ResourceNames='["alpha", "beta"]',
        Tag=tags(("a", "1"), ("b", "2")),
    )
    seen: list[tuple] = []
    token: str | None = None
    pages = 0
    while True:
        params = {"PageSize": "3", **({"NextToken": token} if token else {})}
        body = ram_actions.call(root, "ListTagResources", ResourceType="role", **params)
        seen += [(r["ResourceName"], r["TagKey"]) for r in body["TagResources"]]
        pages += 1
        token = body.get("NextToken")
        if not token:
            break
    assert pages == 2
    assert seen == [("alpha", "a"), ("alpha", "b"), ("beta", "a"), ("beta", "b")]
    code = code_of(
        lambda: ram_actions.call(root, "ListTagResources", ResourceType="role", NextToken="x")
    )
    assert code == "InvalidParameter.NextToken"


@pytest.mark.usefixtures("resources")
def test_list_tag_resources_filters_by_tag(ram_actions: Any, root: Caller) -> None:
    ram_actions.call(
        root, "TagResources", ResourceType="role", ResourceNames='["alpha"]', Tag=tags(("env", "p"))
    )
    ram_actions.call(
        root, "TagResources", ResourceType="role", ResourceNames='["beta"]', Tag=tags(("x", "y"))
    )
    assert listed(ram_actions, root, "role", Tag=json.dumps([{"Key": "env"}])) == [
        ("alpha", "role", "env", "p")
    ]


@pytest.mark.usefixtures("resources")
def test_a_resource_carries_at_most_20_tags(ram_actions: Any, root: Caller) -> None:
    first = tags(*((f"k{i}", "v") for i in range(15)))
    ram_actions.call(
        root, "TagResources", ResourceType="role", ResourceNames='["alpha"]', Tag=first
    )
    more = tags(*((f"m{i}", "v") for i in range(6)))
    code = code_of(
        lambda: ram_actions.call(
            root, "TagResources", ResourceType="role", ResourceNames='["alpha"]', Tag=more
        )
    )
    assert code == "LimitExceeded.Tag"
    assert len(listed(ram_actions, root, "role")) == 15


@pytest.mark.usefixtures("resources")
def test_bad_requests_change_nothing(ram_actions: Any, root: Caller) -> None:
    def tag(**params: str) -> Callable[[], object]:
        given = {"ResourceType": "role", "ResourceNames": '["alpha"]', "Tag": tags(("k", "v"))}
        return lambda: ram_actions.call(root, "TagResources", **{**given, **params})

    assert code_of(tag(ResourceType="user")) == "InvalidParameter.ResourceType"
    assert code_of(tag(ResourceNames='["alpha", "nobody"]')) == "EntityNotExist.Role"
    assert code_of(tag(Tag=tags(("acs:reserved", "v")))) == "InvalidParameter.Tag.Key"
    assert code_of(tag(ResourceNames="alpha")) == "InvalidParameter.ResourceNames"
    assert listed(ram_actions, root, "role") == []
    untag = code_of(
        lambda: ram_actions.call(
            root, "UntagResources", ResourceType="role", ResourceNames='["alpha"]'
        )
    )
    assert untag == "MissingParameter"


@pytest.mark.usefixtures("resources")
def test_a_user_needs_permission_to_tag(
    ram_actions: Any, root: Caller, alice_caller: Caller
) -> None:
    code = code_of(
        lambda: ram_actions.call(
            alice_caller,
            "TagResources",
            ResourceType="role",
            ResourceNames='["alpha"]',
            Tag=tags(("k", "v")),
        )
    )
    assert code == "NoPermission"


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: Tagging("role", (), (("env", "prod"),)), "MissingParameter"),
        (lambda: Tagging("role", ("alpha",), ()), "MissingParameter"),
        (lambda: Tagging("role", ("a b",), (("env", "x"),)), "InvalidParameter.ResourceNames"),
        (lambda: Tagging("role", ("alpha",), (("acs:env", "x"),)), "InvalidParameter.Tag.Key"),
        (lambda: Untagging("policy", ("p",)), "MissingParameter"),
        (lambda: TagListing("role", next_token="not-a-token"), "InvalidParameter.NextToken"),
        (lambda: TagListing("role", page_size=101), "InvalidParameter.PageSize"),
    ],
)
def test_typed_inputs_built_without_a_request_refuse_what_the_api_refuses(
    build: Callable[[], object], code: str
) -> None:
    assert code_of(build) == code


@pytest.mark.usefixtures("resources")
def test_the_use_cases_tag_and_list_as_the_actions_do(
    ram_actions: Any, ram: RamService, root: Caller
) -> None:
    tag_resources(ram, root, Tagging("role", ("alpha",), (("env", "prod"),)))
    page = list_tag_resources(ram, root, TagListing("role", tagged=(("env", None),)))
    assert [(t.resource_name, t.tag.key, t.tag.value) for t in page.tags] == [
        ("alpha", "env", "prod")
    ]
    assert page.next_token is None
    listed = ram_actions.call(root, "ListTagResources", ResourceType="role")
    assert [t["ResourceName"] for t in listed["TagResources"]] == ["alpha"]
