"""RAM's per-account and per-principal limits (spec api.md §9.8), as configuration.

The defaults are the documented limits of the cloud; an operator may raise or lower any of them
(``Quotas(users=5000)``). Services check them inside the action's transaction, against the counts
the store offers, and answer ``LimitExceeded.<Entity>`` (409) when one would be exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from ramsts.store import PolicyType, PrincipalType


@dataclass(frozen=True, slots=True)
class Quotas:
    users: int = 1000
    groups: int = 50
    groups_per_user: int = 5
    access_keys_per_user: int = 2
    """Also applied to the keys of an account's root, as the cloud does."""
    roles: int = 1000
    custom_policies: int = 1500
    versions_per_policy: int = 5
    system_policies_per_user: int = 20
    custom_policies_per_user: int = 10
    system_policies_per_group: int = 20
    custom_policies_per_group: int = 5
    system_policies_per_role: int = 20
    custom_policies_per_role: int = 5

    def attached_policies(self, principal: PrincipalType, policy_type: PolicyType) -> int:
        """How many policies of ``policy_type`` one user, group or role may have attached."""
        limits = {
            ("User", "System"): self.system_policies_per_user,
            ("User", "Custom"): self.custom_policies_per_user,
            ("Group", "System"): self.system_policies_per_group,
            ("Group", "Custom"): self.custom_policies_per_group,
            ("Role", "System"): self.system_policies_per_role,
            ("Role", "Custom"): self.custom_policies_per_role,
        }
        return limits[(principal, policy_type)]


DEFAULT_QUOTAS = Quotas()
