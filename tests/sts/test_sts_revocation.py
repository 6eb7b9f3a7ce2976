"""RevokeRoleSessions (a ramsts extension on the RAM version) and where STS registers its
actions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sts_support import Directory, Sts, allow, root_caller, user_caller

from ramsts.api import ActionTable
from ramsts.caching import Caches
from ramsts.caller import Caller
from ramsts.config import Settings
from ramsts.federation import IssuerKeys
from ramsts.products import RAM
from ramsts.ram.authorization import Authorizer
from ramsts.ram.service import RamService
from ramsts.ram.wire.declaration import register_actions
from ramsts.services import StoredKeyRing
from ramsts.store import Store
from ramsts.sts.product import register
from ramsts.sts.wire.revocation import revoke_role_sessions_action
from ramsts.types import Clock


def ram_service(sts: Sts) -> RamService:
    return RamService(sts.store, sts.master_key, sts.authorizer, clock=sts.clock)


def revoker(sts: Sts) -> Callable[[Caller | None, Mapping[str, str]], dict[str, Any]]:
    """RevokeRoleSessions as the API's action table runs it."""
    table = ActionTable()
    table.add_product(RAM)
    register_actions(table, ram_service(sts), (revoke_role_sessions_action(),))
    return table.resolve(RAM.version, "RevokeRoleSessions").handler


def test_the_accounts_root_revokes_and_sessions_stop(sts: Sts, directory: Directory) -> None:
    arn = f"acs:ram::{directory.acme.account_id}:role/reader"
    body = sts.assume(user_caller(directory.alice), RoleArn=arn, RoleSessionName="s1")
    answer = revoker(sts)(root_caller(directory.acme), {"RoleName": "Reader"})
    assert answer == {
        "Role": {
            "RoleId": directory.reader.role_id,
            "RoleName": "reader",
            "Arn": arn,
            "SessionsNotBefore": "2025-03-01T12:00:01Z",
        }
    }
    error = sts.refusal(lambda: sts.use(body["Credentials"]))
    assert error.code == "InvalidSecurityToken.Expired"


def test_a_user_needs_ram_revoke_role_sessions(sts: Sts, directory: Directory) -> None:
    alice = user_caller(directory.alice)
    error = sts.refusal(lambda: revoker(sts)(alice, {"RoleName": "reader"}))
    assert (error.code, error.detail["AuthAction"]) == ("NoPermission", "ram:RevokeRoleSessions")
    arn = f"acs:ram::{directory.acme.account_id}:role/reader"
    sts.grant(
        "User",
        directory.alice.user_id,
        directory.acme.account_id,
        allow("ram:RevokeRoleSessions", arn),
    )
    assert revoker(sts)(alice, {"RoleName": "reader"})["Role"]["RoleName"] == "reader"


def test_revoking_an_unknown_role_is_404(sts: Sts, directory: Directory) -> None:
    error = sts.refusal(lambda: revoker(sts)(root_caller(directory.acme), {"RoleName": "ghost"}))
    assert (error.code, error.http_status) == ("EntityNotExist.Role", 404)
    missing = sts.refusal(lambda: revoker(sts)(root_caller(directory.acme), {}))
    assert missing.code == "MissingParameter"


def test_an_unauthenticated_request_is_refused(sts: Sts) -> None:
    error = sts.refusal(lambda: revoker(sts)(None, {"RoleName": "reader"}))
    assert error.code == "NoPermission"


@dataclass
class FakeServices:
    store: Store
    authorizer: Authorizer
    key_ring: StoredKeyRing
    clock: Clock
    ram: RamService
    caches: Caches = field(default_factory=Caches)
    issuer_keys: IssuerKeys = field(default_factory=IssuerKeys)
    settings: Settings = field(default_factory=Settings)


def test_sts_registers_its_actions_and_the_ram_extension(sts: Sts) -> None:
    table = ActionTable()
    services = FakeServices(sts.store, sts.authorizer, sts.key_ring, sts.clock, ram_service(sts))
    register(table, services)
    registered = {(action.product.code, action.name) for action in table}
    assert registered == {
        ("Sts", "AssumeRole"),
        ("Sts", "AssumeRoleWithOIDC"),
        ("Sts", "AssumeRoleWithSAML"),
        ("Sts", "GetCallerIdentity"),
        ("Ram", "RevokeRoleSessions"),
    }
    assert {action.name for action in table if action.anonymous} == {
        "AssumeRoleWithOIDC",
        "AssumeRoleWithSAML",
    }
