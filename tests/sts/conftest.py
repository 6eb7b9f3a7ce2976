"""STS service-level fixtures; they live in ``sts_support`` so that tests can import its helpers
by a name no other test package uses."""

from sts_support import directory, sts

__all__ = ["directory", "sts"]
