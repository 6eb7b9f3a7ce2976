"""Tags on roles and custom policies: tag and untag them, and list the tags (spec api.md §9.2,
§14). ListRoles and ListPolicies filter by tags and show them too (:mod:`ramsts.ram.roles`,
:mod:`ramsts.ram.policies`).

A resource carries at most :data:`TAGS_PER_RESOURCE` tags; tagging a key it already has replaces
the value. The listing of tags pages with a ``NextToken`` over the tags ordered by resource name
then key.

The use cases run as :mod:`ramsts.ram.users`' do: caller and typed input, authorized as their
own action on each resource named, in the transaction given (``within``) or their own;
:mod:`ramsts.ram.wire.tags` serves them as RAM's actions.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter, LimitExceeded
from ramsts.parameters import checked_tag, checked_tag_set, missing_parameter, out_of_range
from ramsts.ram.arns import every
from ramsts.ram.entities import CUSTOM_POLICY, ROLE, EntityKind
from ramsts.ram.listing import TagFilter
from ramsts.store import DEFAULT_MAX_ITEMS, Policy, Role, Tag, TagResourceType, Transaction
from ramsts.wire_json import decode_json

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

TAGS_PER_RESOURCE = 20
RESOURCES_PER_CALL = 50
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
_QUOTED_LENGTH = 66

Position = tuple[str, str, str]
"""Where a page of tags ends: the resource's name folded, its id, the tag's key."""


def checked_resource_names(
    resource_type: TagResourceType, names: Sequence[Any], *, required: bool
) -> tuple[str, ...]:
    """``names`` without repeats, once each is a well-formed role or policy name (anything
    else, a look-alike letter included, names no resource) and there are at most
    :data:`RESOURCES_PER_CALL`."""
    if not names and required:
        raise missing_parameter("ResourceNames")
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
    return tuple(dict.fromkeys(names))


def checked_tag_keys(keys: Sequence[Any], *, remove_all: bool) -> tuple[str, ...]:
    """The keys to remove: some, unless every tag goes."""
    if not remove_all and not keys:
        raise missing_parameter("TagKeys")
    if not all(isinstance(key, str) and key for key in keys):
        raise InvalidParameter("TagKeys", "Each of TagKeys must be a non-empty string.")
    return tuple(keys)


def checked_next_token(token: str | None) -> str | None:
    """``token`` if it is one a listing of tags answered; ``InvalidParameter.NextToken``."""
    _decode_token(token)
    return token


@dataclass(frozen=True, slots=True)
class Tagging:
    """Give each of the roles or policies ``resource_names`` the tags ``tags``."""

    resource_type: TagResourceType
    resource_names: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        checked_resource_names(self.resource_type, self.resource_names, required=True)
        pairs = [checked_tag("Tag", key, value) for key, value in self.tags]
        if not checked_tag_set("Tag", pairs, limit=TAGS_PER_RESOURCE):
            raise missing_parameter("Tag")


@dataclass(frozen=True, slots=True)
class Untagging:
    """Take the tags ``tag_keys`` (or, ``remove_all``, every tag) off each resource named."""

    resource_type: TagResourceType
    resource_names: tuple[str, ...]
    tag_keys: tuple[str, ...] = ()
    remove_all: bool = False

    def __post_init__(self) -> None:
        checked_resource_names(self.resource_type, self.resource_names, required=True)
        checked_tag_keys(self.tag_keys, remove_all=self.remove_all)


@dataclass(frozen=True, slots=True)
class TagListing:
    """A page of the tags of the roles or policies named (none named: all of the account's),
    of those resources carrying every tag of ``tagged``, after ``next_token``."""

    resource_type: TagResourceType
    resource_names: tuple[str, ...] = ()
    tagged: TagFilter = ()
    next_token: str | None = None
    page_size: int = DEFAULT_PAGE_SIZE

    def __post_init__(self) -> None:
        checked_resource_names(self.resource_type, self.resource_names, required=False)
        checked_next_token(self.next_token)
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise out_of_range("PageSize", str(self.page_size), 1, MAX_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class ResourceTag:
    """One tag of a listing, and the resource carrying it."""

    resource_name: str
    tag: Tag


@dataclass(frozen=True, slots=True)
class TagPage:
    tags: list[ResourceTag]
    next_token: str | None
    """Where the next page starts; ``None``: this is the last."""


def _kind(resource_type: TagResourceType) -> EntityKind[Any]:
    """Roles or custom policies (``Any``: :func:`_identified` takes either)."""
    return ROLE if resource_type == "role" else CUSTOM_POLICY


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


def tag_resources(
    ram: RamService, caller: Caller, tagging: Tagging, within: Transaction | None = None
) -> None:
    account_id, resource_type = caller.account_id, tagging.resource_type
    kind, tags = _kind(resource_type), dict(tagging.tags)
    with ram.transaction(account_id, within=within) as tx:
        for name in tagging.resource_names:
            found = ram.authorized(tx, caller, "ram:TagResources", kind, name)
            resource_id, stored_name = _identified(found)
            keys = {tag.key for tag in tx.tags.list(resource_type, resource_id)} | tags.keys()
            if len(keys) > TAGS_PER_RESOURCE:
                raise LimitExceeded(
                    "Tag",
                    f"The {resource_type} {stored_name} would have more than"
                    f" {TAGS_PER_RESOURCE} tags.",
                )
            tx.tags.set(account_id, resource_type, resource_id, tags)


def untag_resources(
    ram: RamService, caller: Caller, untagging: Untagging, within: Transaction | None = None
) -> None:
    kind = _kind(untagging.resource_type)
    keys = None if untagging.remove_all else list(untagging.tag_keys)
    with ram.transaction(caller.account_id, within=within) as tx:
        for name in untagging.resource_names:
            found = ram.authorized(tx, caller, "ram:UntagResources", kind, name)
            resource_id, _ = _identified(found)
            tx.tags.remove(untagging.resource_type, resource_id, keys)


def list_tag_resources(
    ram: RamService, caller: Caller, asked: TagListing, within: Transaction | None = None
) -> TagPage:
    account_id, resource_type = caller.account_id, asked.resource_type
    after = _decode_token(asked.next_token)
    ram.authorizer.require(caller, "ram:ListTagResources", every(account_id, resource_type))
    with ram.read(within=within) as tx:
        if asked.resource_names:
            kind = _kind(resource_type)
            named = dict(
                _identified(kind.existing(tx, account_id, name)) for name in asked.resource_names
            )
            found = tx.tags.for_resources(resource_type, named)
        else:
            named = _names_by_id(tx, account_id, resource_type)
            found = {}
            for tag in tx.tags.list_for_account(account_id, resource_type):
                found.setdefault(tag.resource_id, []).append(tag)
    rows = sorted(
        (named[resource_id].lower(), resource_id, tag.key, named[resource_id], tag)
        for resource_id, tags in found.items()
        if resource_id in named and _carries(tags, asked.tagged)
        for tag in tags
    )
    remaining = [row for row in rows if after is None or row[:3] > after]
    shown = remaining[: asked.page_size]
    more = len(remaining) > len(shown)
    return TagPage(
        [ResourceTag(name, tag) for _, _, _, name, tag in shown],
        _encode_token(shown[-1][:3]) if more else None,
    )


def _carries(tags: list[Tag], wanted: TagFilter) -> bool:
    present = {tag.key: tag.value for tag in tags}
    return all(key in present and (value is None or present[key] == value) for key, value in wanted)


def _encode_token(position: Position) -> str:
    raw = json.dumps(list(position), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str | None) -> Position | None:
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
