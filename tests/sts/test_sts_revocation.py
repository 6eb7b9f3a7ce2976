"""RevokeRoleSessions (a ramsts extension on the RAM version) and where STS registers its
actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sts_support import Directory, Sts, allow, root_caller, user_caller

from ramsts.api import ActionTable
from ramsts.caching import Caches
from ramsts.config import Settings
from ramsts.federation import IssuerKeys
from ramsts.ram.authorization import Authorizer
from ramsts.services import StoredKeyRing
from ramsts.store import Store
from ramsts.sts.product import register
from ramsts.sts.revocation import RevokeRoleSessions
from ramsts.types import Clock


def revoker(sts: Sts) -> RevokeRoleSessions:
    return RevokeRoleSessions(sts.store, sts.authorizer, clock=sts.clock)


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


@dataclass
class FakeServices:
    store: Store
    authorizer: Authorizer
    key_ring: StoredKeyRing
    clock: Clock
    caches: Caches = field(default_factory=Caches)
    issuer_keys: IssuerKeys = field(default_factory=IssuerKeys)
    settings: Settings = field(default_factory=Settings)


def test_sts_registers_its_actions_and_the_ram_extension(sts: Sts) -> None:
    table = ActionTable()
    register(table, FakeServices(sts.store, sts.authorizer, sts.key_ring, sts.clock))
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
