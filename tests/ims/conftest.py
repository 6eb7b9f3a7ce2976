"""Ims service-level fixtures; they live in ``ims_support`` so that tests can import its helpers
by a name no other test package uses."""

from ims_support import alice, alice_caller, ims, root

__all__ = ["alice", "alice_caller", "ims", "root"]
