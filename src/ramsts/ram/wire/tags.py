"""TagResources, UntagResources, ListTagResources on the wire (spec api.md §9.2, §14), and the
``Tag`` filter and ``Tags`` field ListRoles and ListPolicies share.

ListTagResources pages with ``NextToken``/``PageSize``; its ``TagResources`` is a plain array,
the one list RAM does not wrap twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ramsts.parameters import Parameters
from ramsts.ram.listing import TagFilter
from ramsts.ram.rendering import Body
from ramsts.ram.tags import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    TAGS_PER_RESOURCE,
    Tagging,
    TagListing,
    TagPage,
    Untagging,
    checked_next_token,
    checked_resource_names,
    checked_tag_keys,
    list_tag_resources,
    tag_resources,
    untag_resources,
)
from ramsts.ram.wire.declaration import RpcAction, no_body, register_actions
from ramsts.store import Tag, TagResourceType

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService


def read_tag_filter(read: Parameters) -> TagFilter:
    """The ``Tag`` filter of a listing: keys a resource must carry, each with a value it must
    have when the filter gives one (``{"Key": "env"}`` matches any value)."""
    read.tags("Tag")  # the same checks as when tagging: key length, uniqueness, count
    return [
        (item["Key"], item["Value"] if isinstance(item.get("Value"), str) else None)
        for item in read.json_list("Tag")
    ]


def render_tags(tags: Iterable[Tag]) -> Body:
    """The ``Tags`` field of a listed role or policy."""
    return {"Tags": {"Tag": [{"TagKey": tag.key, "TagValue": tag.value} for tag in tags]}}


def _resource_type(read: Parameters) -> TagResourceType:
    chosen = read.choice("ResourceType", ("role", "policy", "Role", "Policy"))
    return "role" if chosen.lower() == "role" else "policy"


def _resources(read: Parameters, *, required: bool) -> tuple[TagResourceType, tuple[str, ...]]:
    resource_type = _resource_type(read)
    names = read.json_list("ResourceNames")
    return resource_type, checked_resource_names(resource_type, names, required=required)


def _tagging(read: Parameters) -> Tagging:
    resource_type, names = _resources(read, required=True)
    return Tagging(resource_type, names, tuple(read.tags("Tag", limit=TAGS_PER_RESOURCE)))


def _untagging(read: Parameters) -> Untagging:
    resource_type, names = _resources(read, required=True)
    remove_all = read.boolean("All", default=False)
    keys = checked_tag_keys(read.json_list("TagKeys"), remove_all=remove_all)
    return Untagging(resource_type, names, keys, remove_all)


def _listing(read: Parameters) -> TagListing:
    resource_type, names = _resources(read, required=False)
    tagged = read_tag_filter(read)
    token = checked_next_token(read.optional("NextToken"))
    size = read.integer("PageSize", default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
    return TagListing(resource_type, names, tagged, token, size or DEFAULT_PAGE_SIZE)


def _listed(page: TagPage) -> Body:
    body: Body = {
        "TagResources": [
            {
                "ResourceName": listed.resource_name,
                "ResourceType": listed.tag.resource_type,
                "TagKey": listed.tag.key,
                "TagValue": listed.tag.value,
            }
            for listed in page.tags
        ]
    }
    if page.next_token is not None:
        body["NextToken"] = page.next_token
    return body


ACTIONS = (
    RpcAction("TagResources", _tagging, tag_resources, no_body),
    RpcAction("UntagResources", _untagging, untag_resources, no_body),
    RpcAction("ListTagResources", _listing, list_tag_resources, _listed),
)


def register(table: ActionTable, ram: RamService) -> None:
    register_actions(table, ram, ACTIONS)
