"""One declaration per RPC action, and the handler the API's action table runs for it.

    RpcAction("GetUser", user_name, get_user, _found)   # ramsts.ram.wire.users

A handler refuses an unauthenticated caller, reads the parameters into the typed input (raising
the real service's ``MissingParameter`` / ``InvalidParameter.*`` in the order the parameters
are documented), runs the use case as that caller, and renders what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ramsts.caller import Caller
from ramsts.parameters import Parameters
from ramsts.ram.rendering import Body

if TYPE_CHECKING:
    from ramsts.api.actions import ActionHandler, ActionTable
    from ramsts.ram.service import RamService

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True, slots=True)
class RpcAction(Generic[In, Out]):
    name: str
    """The ``Action`` parameter, as the SDKs send it."""
    read: Callable[[Parameters], In]
    """The request's parameters → the use case's input."""
    run: Callable[[RamService, Caller, In], Out]
    """The use case."""
    render: Callable[[Out], Body]
    """Its output → the response body, without ``RequestId``."""


def no_input(_: Parameters) -> None:
    """What an action that takes no parameters of its own reads (its use case is run
    :func:`~ramsts.ram.service.without_input`)."""
    return None


def no_body(_: object) -> Body:
    """What an action that changes something and returns nothing answers (``RequestId``
    only)."""
    return {}


def register_actions(
    table: ActionTable,
    ram: RamService,
    actions: Iterable[RpcAction[Any, Any]],
    *,
    version: str | None = None,
) -> None:
    """Register ``actions`` under RAM's API version, or ``version`` (Ims's, whose actions run
    RAM's use cases under names of its own)."""
    for action in actions:
        table.add(version or ram.version, action.name, _handler(ram, action))


def _handler(ram: RamService, action: RpcAction[In, Out]) -> ActionHandler:
    read, run, render, signed_in = action.read, action.run, action.render, ram.signed_in

    def handle(caller: Caller | None, params: Mapping[str, str]) -> dict[str, Any]:
        principal = signed_in(caller)
        return render(run(ram, principal, read(Parameters(params))))

    return handle
