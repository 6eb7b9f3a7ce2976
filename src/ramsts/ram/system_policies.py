"""The system policies every account shares (policy-language decision 13).

Their documents are data (``data/system_policies.json``), not code, so that bringing one in line
with the cloud is an edit to that file alone. Each entry's ``_provenance`` records whether its
document is the one Alibaba publishes (with the page and version) or a reconstruction; the loader
reads only ``PolicyName``, ``Description`` and ``PolicyDocument``.

They are seeded when the RAM product registers, in one transaction and idempotently: a restart
changes nothing, and a document changed in the data file becomes the policy's new default version,
as when the cloud updates a system policy.

System policies are read-only to users: the actions that change a policy (CreatePolicyVersion,
DeletePolicy, UpdatePolicyDescription, …) only ever look up custom policies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ramsts.policy import PolicyLimits, parse_policy
from ramsts.store import Conflict, Store
from ramsts.types import Clock

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable
    from ramsts.ram.service import RamService

DATA_FILE = "system_policies.json"

SYSTEM_POLICY_LIMITS = PolicyLimits(identity=1 << 20)
"""The cloud does not hold its own documents to a custom policy's 6,144 characters (the published
ReadOnlyAccess is far longer); the authorizer reads stored documents with the same allowance."""


@dataclass(frozen=True, slots=True)
class SystemPolicy:
    policy_name: str
    description: str
    policy_document: str
    """The document as JSON text, the form every policy is stored and returned in."""


@cache  # the data file is part of the installed package: read and checked once a process
def load_system_policies() -> tuple[SystemPolicy, ...]:
    """The system policies of the data file, each checked against the identity grammar."""
    text = resources.files("ramsts.ram").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return parse_catalog(text)


def parse_catalog(text: str) -> tuple[SystemPolicy, ...]:
    """The system policies of a catalog in the data file's form (``{"policies": [...]}``)."""
    entries: list[dict[str, Any]] = json.loads(text)["policies"]
    loaded = []
    for entry in entries:
        document = json.dumps(entry["PolicyDocument"], indent=2)
        # A broken data file must stop start-up rather than install a policy nobody can parse.
        parse_policy(document, kind="identity", limits=SYSTEM_POLICY_LIMITS)
        loaded.append(SystemPolicy(entry["PolicyName"], entry["Description"], document))
    return tuple(loaded)


SEED_ATTEMPTS = 3
"""Server processes starting together on a new database race to seed; the loser's insert meets
the winner's row, and its next attempt finds the policies in place."""


def seed_system_policies(store: Store, clock: Clock) -> None:
    """Install or update every system policy, all in one transaction."""
    for attempt in range(1, SEED_ATTEMPTS + 1):
        now = clock()
        try:
            with store.transaction() as tx:
                tx.policies.put_system_catalog(
                    [
                        (policy.policy_name, policy.description, policy.policy_document)
                        for policy in load_system_policies()
                    ],
                    now=now,
                )
            return
        except Conflict:
            if attempt == SEED_ATTEMPTS:
                raise


def register(table: ActionTable, ram: RamService) -> None:
    """No actions of its own: the RAM product's registration is when system policies appear."""
    seed_system_policies(ram.store, ram.clock)
