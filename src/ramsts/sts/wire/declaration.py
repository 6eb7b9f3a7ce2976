"""One declaration per STS action, and the handler the API's action table runs for it.

    SignedAction("AssumeRole", assume_role_request, assume_role.assume, render_session,
                 cached=True)

A handler reads the parameters into the typed request (the real service's
``MissingParameter.<Name>`` / ``InvalidParameter.<Name>``, in the order STS checks them), runs
the use case and renders what it returns. A signed action refuses an unauthenticated caller
before reading anything; an anonymous one (AssumeRoleWithOIDC, AssumeRoleWithSAML) carries its
credential in its parameters and ignores the signer.

``cached``: the use case reaches the store only through caches, so the endpoint runs the handler
on the event loop, a cache that needs filling filling in a worker thread (see
:mod:`ramsts.api.rpc` and :mod:`ramsts.loop_work`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ramsts.caller import Caller
from ramsts.errors import NOT_AUTHORIZED, NoPermission
from ramsts.parameters import Parameters
from ramsts.products import STS
from ramsts.ram.rendering import Body

if TYPE_CHECKING:
    from ramsts.api.actions import ActionTable

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True, slots=True)
class SignedAction(Generic[In, Out]):
    name: str
    read: Callable[[Parameters], In]
    run: Callable[[Caller, In], Out]
    render: Callable[[Out], Body]
    cached: bool = False

    def handler(self) -> SignedHandler[In, Out]:
        return SignedHandler(self.read, self.run, self.render)


@dataclass(frozen=True, slots=True)
class AnonymousAction(Generic[In, Out]):
    name: str
    read: Callable[[Parameters], In]
    run: Callable[[In], Out]
    render: Callable[[Out], Body]
    cached: bool = False

    def handler(self) -> AnonymousHandler[In, Out]:
        return AnonymousHandler(self.read, self.run, self.render)


@dataclass(frozen=True, slots=True)
class SignedHandler(Generic[In, Out]):
    """What the action table runs for a :class:`SignedAction` (its parts kept, for tests that
    look at the use case the server runs)."""

    read: Callable[[Parameters], In]
    run: Callable[[Caller, In], Out]
    render: Callable[[Out], Body]

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        if caller is None:
            # Registered as a signed action, so authentication never lets this happen; refuse
            # rather than answer for nobody.
            raise NoPermission(None, NOT_AUTHORIZED)
        return self.render(self.run(caller, self.read(Parameters(params, missing_suffix=True))))


@dataclass(frozen=True, slots=True)
class AnonymousHandler(Generic[In, Out]):
    """What the action table runs for an :class:`AnonymousAction`."""

    read: Callable[[Parameters], In]
    run: Callable[[In], Out]
    render: Callable[[Out], Body]

    def __call__(self, caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        return self.render(self.run(self.read(Parameters(params, missing_suffix=True))))


def register_actions(
    table: ActionTable, actions: Iterable[SignedAction[Any, Any] | AnonymousAction[Any, Any]]
) -> None:
    for action in actions:
        table.add(
            STS.version,
            action.name,
            action.handler(),
            anonymous=isinstance(action, AnonymousAction),
            cached=action.cached,
        )
