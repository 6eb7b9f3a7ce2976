"""What the console needs from the composition root, and how it calls RAM as the signed-in user.

The console has no privileged path of its own: every page runs, as the
:class:`~ramsts.caller.Caller` of the session, either RAM's typed use cases
(:mod:`ramsts.ram.users`, :mod:`ramsts.ram.login_profiles`, :mod:`ramsts.ram.access_keys`…,
and Ims's identity providers, :mod:`ramsts.ims.oidc_providers`…, through ``Visit.act``; a form
that is one step to the person composes several in one transaction: every RAM and Ims action
the console runs is one) or the same callables the API dispatches to, by name with a
parameters mapping (:class:`RamCalls`). Either way the policy engine authorizes
each click exactly as it would authorize the same call signed with an AccessKey.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ramsts.audit import AuditRecorder
from ramsts.caller import Caller
from ramsts.crypto import MasterKey
from ramsts.products import RAM
from ramsts.ram.service import RamService
from ramsts.store import Store
from ramsts.types import Clock

Handler = Callable[[Caller | None, Mapping[str, str]], dict[str, Any]]


class _Registered(Protocol):
    @property
    def handler(self) -> Handler: ...


class ActionLookup(Protocol):
    """The API's action table, as far as the console reads it."""

    def resolve(self, version: str | None, action: str | None) -> _Registered: ...


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
    def actions(self) -> ActionLookup: ...

    @property
    def audit(self) -> AuditRecorder | None: ...


class RamCalls:
    """Runs actions by name as a caller: ``calls.run(caller, "GetOIDCProvider", version=…,
    OIDCProviderName="x")``; and holds the RamService the use cases run on (``ram``), for the
    parts of the console handed only this."""

    def __init__(self, actions: ActionLookup, ram: RamService) -> None:
        self._actions = actions
        self.ram = ram

    def run(self, caller: Caller, action: str, **params: str) -> dict[str, Any]:
        """Run RAM's ``action``; an empty form field is a parameter not given."""
        given = {name: value for name, value in params.items() if value != ""}
        return self.run_as_given(caller, action, given)

    def run_as_given(
        self, caller: Caller, action: str, params: Mapping[str, str]
    ) -> dict[str, Any]:
        """Run ``action`` with ``params`` exactly, empty values included (an empty
        ``LoginNetworkMasks`` clears the masks)."""
        return self._actions.resolve(RAM.version, action).handler(caller, params)

    def items(
        self, caller: Caller, action: str, plural: str, singular: str, **params: str
    ) -> list[Any]:
        """Every item of a listing (``ListUsers`` → ``Users.User``), following its Marker."""
        found: list[Any] = []
        marker = ""
        while True:
            body = self.run(caller, action, Marker=marker, **params)
            found.extend(body.get(plural, {}).get(singular, []))
            marker = body.get("Marker", "") if body.get("IsTruncated") else ""
            if not marker:
                return found
