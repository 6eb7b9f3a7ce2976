"""Tags on roles and custom policies: TagResources, UntagResources, ListTagResources, and the
``Tag`` filter and ``Tags`` field of ListRoles / ListPolicies (spec api.md §9.2, §14).

A resource carries at most :data:`TAGS_PER_RESOURCE` tags; tagging a key it already has replaces
the value. ListTagResources pages with ``NextToken``/``PageSize`` over the tags ordered by resource
name then key; its ``TagResources`` is a plain array, the one list RAM does not wrap twice.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter, LimitExceeded
from ramsts.parameters import Parameters
from ramsts.ram.arns import every
from ramsts.ram.entities import CUSTOM_POLICY, ROLE, EntityKind
from ramsts.ram.rendering import Body
from ramsts.ram.service import RamService
from ramsts.store import DEFAULT_MAX_ITEMS, Policy, Role, Tag, TagResourceType, Transaction
from ramsts.wire_json import decode_json

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

TAGS_PER_RESOURCE = 20
RESOURCES_PER_CALL = 50
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
_QUOTED_LENGTH = 66

TagFilter = list[tuple[str, str | None]]


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


def _kind(resource_type: TagResourceType) -> EntityKind[Any]:
    """Roles or custom policies (``Any``: :func:`_identified` takes either)."""
    return ROLE if resource_type == "role" else CUSTOM_POLICY


def _resource_names(
    read: Parameters, resource_type: TagResourceType, *, required: bool
) -> list[str]:
    """The names, each a well-formed role or policy name: anything else (a look-alike letter
    included) names no resource."""
    names = read.json_list("ResourceNames")
    if not names and required:
        read.required("ResourceNames")
    rule = _kind(resource_type).rule
    for name in names:
        if not (
            isinstance(name, str)
            and rule.min_length <= len(name) <= rule.max_length
            and (rule.pattern is None or rule.pattern.fullmatch(name) is not None)
        ):
            shown = json.dumps(name, ensure_ascii=False)[:_QUOTED_LENGTH]
            raise InvalidParameter(
                "ResourceNames", f"The ResourceNames item {shown} is not a {resource_type} name."
            )
    if len(names) > RESOURCES_PER_CALL:
        raise InvalidParameter(
            "ResourceNames", f"At most {RESOURCES_PER_CALL} resources may be named at once."
        )
    return list(dict.fromkeys(names))


def _identified(resource: Role | Policy) -> tuple[str, str]:
    """(id, name as stored) of a role or custom policy."""
    if isinstance(resource, Role):
        return resource.role_id, resource.role_name
    return resource.policy_id, resource.policy_name


def _names_by_id(
    tx: Transaction, account_id: str, resource_type: TagResourceType
) -> dict[str, str]:
    """Every role or custom policy of the account, id → name, a page at a time."""
    found: dict[str, str] = {}
    marker: str | None = None
    while True:
        if resource_type == "role":
            roles = tx.roles.list(account_id, marker=marker, max_items=DEFAULT_MAX_ITEMS)
            found.update((role.role_id, role.role_name) for role in roles.items)
            truncated, marker = roles.is_truncated, roles.marker
        else:
            policies = tx.policies.list(
                account_id, policy_type="Custom", marker=marker, max_items=DEFAULT_MAX_ITEMS
            )
            found.update((policy.policy_id, policy.policy_name) for policy in policies.items)
            truncated, marker = policies.is_truncated, policies.marker
        if not truncated:
            return found


def tag_resources(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    resource_type = _resource_type(read)
    names = _resource_names(read, resource_type, required=True)
    tags = dict(read.tags("Tag", limit=TAGS_PER_RESOURCE))
    if not tags:
        read.required("Tag")
    account_id = principal.account_id
    kind = _kind(resource_type)
    with ram.transaction(account_id) as tx:
        for name in names:
            found = ram.authorized(tx, principal, "ram:TagResources", kind, name)
            resource_id, stored_name = _identified(found)
            keys = {tag.key for tag in tx.tags.list(resource_type, resource_id)} | tags.keys()
            if len(keys) > TAGS_PER_RESOURCE:
                raise LimitExceeded(
                    "Tag",
                    f"The {resource_type} {stored_name} would have more than"
                    f" {TAGS_PER_RESOURCE} tags.",
                )
            tx.tags.set(account_id, resource_type, resource_id, tags)
    return {}


def untag_resources(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    resource_type = _resource_type(read)
    names = _resource_names(read, resource_type, required=True)
    remove_all = read.boolean("All", default=False)
    keys = read.json_list("TagKeys")
    if not remove_all and not keys:
        read.required("TagKeys")
    if not all(isinstance(key, str) and key for key in keys):
        raise InvalidParameter("TagKeys", "Each of TagKeys must be a non-empty string.")
    kind = _kind(resource_type)
    with ram.transaction(principal.account_id) as tx:
        for name in names:
            found = ram.authorized(tx, principal, "ram:UntagResources", kind, name)
            resource_id, _ = _identified(found)
            tx.tags.remove(resource_type, resource_id, None if remove_all else keys)
    return {}


def list_tag_resources(ram: RamService, caller: Caller | None, params: Mapping[str, str]) -> Body:
    principal = ram.signed_in(caller)
    read = Parameters(params)
    resource_type = _resource_type(read)
    names = _resource_names(read, resource_type, required=False)
    wanted = read_tag_filter(read)
    after = _decode_token(read.optional("NextToken"))
    page_size = read.integer(
        "PageSize", default=DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE
    )
    account_id = principal.account_id
    ram.authorizer.require(principal, "ram:ListTagResources", every(account_id, resource_type))
    with ram.read() as tx:
        if names:
            kind = _kind(resource_type)
            named = dict(_identified(kind.existing(tx, account_id, name)) for name in names)
            found = tx.tags.for_resources(resource_type, named)
        else:
            named = _names_by_id(tx, account_id, resource_type)
            found = {}
            for tag in tx.tags.list_for_account(account_id, resource_type):
                found.setdefault(tag.resource_id, []).append(tag)
    rows = sorted(
        (named[resource_id].lower(), resource_id, tag.key, named[resource_id], tag)
        for resource_id, tags in found.items()
        if resource_id in named and _carries(tags, wanted)
        for tag in tags
    )
    remaining = [row for row in rows if after is None or row[:3] > after]
    shown = remaining[: page_size or DEFAULT_PAGE_SIZE]
    body: Body = {
        "TagResources": [
            {
                "ResourceName": name,
                "ResourceType": resource_type,
                "TagKey": tag.key,
                "TagValue": tag.value,
            }
            for _, _, _, name, tag in shown
        ]
    }
    if len(remaining) > len(shown):
        body["NextToken"] = _encode_token(shown[-1][:3])
    return body


def _carries(tags: list[Tag], wanted: TagFilter) -> bool:
    present = {tag.key: tag.value for tag in tags}
    return all(key in present and (value is None or present[key] == value) for key, value in wanted)


def _encode_token(position: tuple[str, str, str]) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str | None) -> tuple[str, str, str] | None:
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = decode_json(raw.decode("utf-8"))
    except (binascii.Error, ValueError):
        value = None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise InvalidParameter("NextToken", "The parameter NextToken is not valid.")
    return value[0], value[1], value[2]


def register(table: ActionTable, ram: RamService) -> None:
    table.add(ram.version, "TagResources", partial(tag_resources, ram))
    table.add(ram.version, "UntagResources", partial(untag_resources, ram))
    table.add(ram.version, "ListTagResources", partial(list_tag_resources, ram))
