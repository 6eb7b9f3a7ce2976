"""What the console needs from the composition root, and how it acts as the signed-in user.

The console has no privileged path of its own: every page runs, as the
:class:`~ramsts.caller.Caller` of the session, RAM's typed use cases (:mod:`ramsts.ram.users`,
:mod:`ramsts.ram.login_profiles`, :mod:`ramsts.ram.access_keys`…, and Ims's identity providers,
:mod:`ramsts.ims.oidc_providers`…) through ``Visit.act``, and a form that is one step to the
person composes several in one transaction. Every RAM and Ims action the console runs is such a
use case, so the policy engine authorizes each click exactly as it
would authorize the same call signed with an AccessKey; the console never calls an action by
its name through the API's action table.
"""

from __future__ import annotations

from typing import Protocol

from ramsts.audit import AuditRecorder
from ramsts.crypto import MasterKey
from ramsts.ram.service import RamService
from ramsts.store import Store
from ramsts.types import Clock


class ConsoleServices(Protocol):
    """The parts of :class:`ramsts.services.Services` the console is built from."""

    @property
    def clock(self) -> Clock: ...

    @property
    def master_key(self) -> MasterKey: ...

    @property
    def ram(self) -> RamService: ...

    @property
    def store(self) -> Store:
        """Only to build the sign-in service at start-up; pages never touch it."""
        ...

    @property
    def audit(self) -> AuditRecorder | None: ...
