"""Reading what every identity provider action's parameters share (spec api.md, Ims)."""

from __future__ import annotations

from collections.abc import Callable

from ramsts.ims.identity_providers import PROVIDER_NAME, required_field
from ramsts.parameters import Parameters, TextRule
from ramsts.ram.listing import Listing


def required(read: Parameters, name: str, rule: TextRule | None = None) -> str:
    """A required parameter: ``MissingParameter.<Name>`` when absent, as Ims documents it."""
    return required_field(name, read.raw(name) or "", rule)


def provider_name(name: str) -> Callable[[Parameters], str]:
    """The reader of the parameter naming the provider (``OIDCProviderName``…)."""

    def read_name(read: Parameters) -> str:
        return required(read, name, PROVIDER_NAME)

    return read_name


def listing(read: Parameters) -> Listing:
    return Listing(read.optional("Marker"), read.max_items())
