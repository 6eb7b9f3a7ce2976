"""Reading an action's request parameters the way the real services check them.

Every RPC parameter arrives as a string (integers as decimal strings, booleans as ``true`` or
Python's ``True``, lists as one JSON string). :class:`Parameters` turns them into typed values and
raises the real service's error code when one is missing or wrongly formed, naming the parameter
and quoting the input (never a secret: parameters listed in :data:`SECRET_PARAMETERS` are not
quoted, and the API's log leaves their values out too).

Error codes follow the real services: a missing required parameter is ``MissingParameter`` (the
gateway's check; STS actions document ``MissingParameter.<Name>``, chosen with
``missing_suffix=True``), a bad length ``InvalidParameter.<Name>.Length``, bad characters
``InvalidParameter.<Name>.InvalidChars``, a bad format ``InvalidParameter.<Name>.Format``, and any
other bad value ``InvalidParameter.<Name>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ramsts.errors import InvalidParameter, MissingParameter, not_supplied
from ramsts.wire_json import NestedTooDeep, decode_json

SECRET_PARAMETERS = frozenset(
    {
        "AccessKeySecret",
        "Password",
        "NewPassword",
        "OldPassword",
        "Signature",
        "SecurityToken",
        "OIDCToken",
        "SAMLAssertion",
        "AuthenticationCode1",
        "AuthenticationCode2",
        "Base32StringSeed",
        "QRCodePNG",
        "PrivateKey",
    }
)
"""The names whose value authenticates: secrets proper, a request's signature, bearer
credentials (each lets its holder act as the caller for a while), MFA codes and an MFA device's
seed (as text or as the QR code of it), a private key. The one list: error messages never quote
these, and the API's log and the audit trail's events show them as ``***``, in parameters and in
response bodies alike (:mod:`ramsts.redaction`)."""

_SECRET_NAMES = frozenset(name.lower() for name in SECRET_PARAMETERS)


def is_secret_parameter(name: str) -> bool:
    """Whether ``name`` is one of :data:`SECRET_PARAMETERS`, in any letter case (a client that
    sends ``signature`` still sent its signature)."""
    return name.lower() in _SECRET_NAMES


_INTEGER = re.compile(r"-?[0-9]+")
"""How the real services read an integer: ASCII digits, perhaps a minus sign. Not Python's
``int()``, which also takes other scripts' digits, ``_`` separators, ``+`` and spaces around."""

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 controls other than tab, line feed and carriage return: no name or text of the real
services holds them, PostgreSQL text cannot store NUL, and XML 1.0 cannot carry them at all."""

_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})
_QUOTE_LIMIT = 64


@dataclass(frozen=True, slots=True)
class TextRule:
    """Length and character rules of one kind of name (UserName, RoleName, PolicyName…)."""

    max_length: int
    min_length: int = 1
    pattern: re.Pattern[str] | None = None
    """The characters allowed, matched against the whole value."""
    invalid: str = "InvalidChars"
    """The code suffix for a value the pattern refuses: ``InvalidChars`` or ``Format``."""


def _quoted(name: str, value: str) -> str:
    if is_secret_parameter(name):
        return "(hidden)"
    shown = value if len(value) <= _QUOTE_LIMIT else value[:_QUOTE_LIMIT] + "…"
    return json.dumps(shown, ensure_ascii=False)


def missing_parameter(name: str, *, suffix: bool = False) -> MissingParameter:
    """The error for a required parameter not given (``MissingParameter.<Name>`` with
    ``suffix``, as STS documents it)."""
    return MissingParameter(
        name if suffix else None,
        not_supplied(name),
    )


def checked_text(name: str, value: str, rule: TextRule | None = None) -> str:
    """``value`` of parameter ``name`` once it holds no control character and keeps ``rule``;
    the real service's ``InvalidParameter.<Name>.*`` otherwise. Typed inputs built without a
    request (the console's) check their fields with it, so both paths refuse alike."""
    if _CONTROL_CHARACTERS.search(value) is not None:
        raise InvalidParameter(
            f"{name}.InvalidChars",
            f"The parameter {name} contains a control character, which is not allowed.",
        )
    if rule is None:
        return value
    if not rule.min_length <= len(value) <= rule.max_length:
        raise InvalidParameter(
            f"{name}.Length",
            f"The parameter {name} {_quoted(name, value)} must be {rule.min_length} to"
            f" {rule.max_length} characters long.",
        )
    if rule.pattern is not None and rule.pattern.fullmatch(value) is None:
        raise InvalidParameter(
            f"{name}.{rule.invalid}",
            f"The parameter {name} {_quoted(name, value)} contains characters or a format"
            " that is not allowed.",
        )
    return value


def out_of_range(name: str, value: str, minimum: int, maximum: int) -> InvalidParameter:
    """The error for an integer parameter outside ``minimum``–``maximum``."""
    return InvalidParameter(
        name,
        f"The parameter {name} must be between {minimum} and {maximum};"
        f" got {_quoted(name, value)}.",
    )


def checked_integer(name: str, value: str, *, minimum: int, maximum: int) -> int:
    """``value`` of parameter ``name`` read as the real services read an integer, within
    ``minimum``–``maximum``."""
    if _INTEGER.fullmatch(value) is None:
        raise InvalidParameter(
            name,
            f"The parameter {name} {_quoted(name, value)} is not an integer"
            " (decimal digits 0-9, perhaps after a minus sign).",
        )
    # More digits than either bound has is out of range; int() is spared such numbers (it
    # refuses those of over 4,300 digits).
    widest = max(len(str(abs(minimum))), len(str(abs(maximum))))
    too_long = len(value.lstrip("-").lstrip("0")) > widest
    if too_long or not minimum <= (number := int(value)) <= maximum:
        raise out_of_range(name, value, minimum, maximum)
    return number


def checked_tag(name: str, key: str, value: str) -> tuple[str, str]:
    """One tag of parameter ``name`` (``Tag``): a key of 1 to 128 characters without a reserved
    prefix, a value of at most 128, neither with a control character."""
    if not 1 <= len(key) <= 128 or _CONTROL_CHARACTERS.search(key + value) is not None:
        raise _malformed_tag(name)
    if len(value) > 128:
        raise InvalidParameter(
            f"{name}.Value",
            f"The {name} value of {_quoted(name, key)} is longer than 128 characters.",
        )
    if key.startswith(("acs:", "aliyun")):
        raise InvalidParameter(
            f"{name}.Key", f"The {name} key {_quoted(name, key)} uses a reserved prefix."
        )
    return key, value


def checked_tag_set(
    name: str, pairs: list[tuple[str, str]], *, limit: int = 20
) -> list[tuple[str, str]]:
    """Tags each checked with :func:`checked_tag`, as a whole: keys unique, at most ``limit``."""
    if len({key for key, _ in pairs}) != len(pairs):
        raise InvalidParameter(f"{name}.Key", f"The {name} keys must be unique.")
    if len(pairs) > limit:
        raise InvalidParameter(name, f"At most {limit} tags may be given in {name}.")
    return pairs


def _malformed_tag(name: str) -> InvalidParameter:
    return InvalidParameter(
        f"{name}.Key",
        f'Each {name} must be an object with a "Key" of 1 to 128 characters'
        ' and a string "Value", without control characters.',
    )


def checked_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` of parameter ``name`` if it is one of ``allowed`` (exact spelling)."""
    if value not in allowed:
        raise InvalidParameter(
            name,
            f"The parameter {name} {_quoted(name, value)} must be one of: "
            + ", ".join(allowed)
            + ".",
        )
    return value


def required_text(name: str, value: str, rule: TextRule | None = None) -> str:
    """:func:`checked_text` for a field that must be given: ``""`` is a parameter not sent."""
    if value == "":
        raise missing_parameter(name)
    return checked_text(name, value, rule)


def optional_text(name: str, value: str | None, rule: TextRule | None = None) -> None:
    """:func:`checked_text` for a field that may be left out (``None`` or ``""``)."""
    if value:
        checked_text(name, value, rule)


class Parameters:
    """Typed, validated access to one request's parameters."""

    __slots__ = ("_missing_suffix", "_raw")

    def __init__(self, raw: Mapping[str, str], *, missing_suffix: bool = False) -> None:
        self._raw = raw
        self._missing_suffix = missing_suffix

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._raw.get(name, "") != ""

    def sent(self, name: str) -> bool:
        """Whether the request carries ``name`` at all, if only empty (where an empty value
        means something: ``LoginNetworkMasks`` sent empty clears the masks)."""
        return name in self._raw

    def raw(self, name: str) -> str | None:
        """The value as sent; ``None`` when absent. An empty value counts as absent."""
        value = self._raw.get(name)
        return value if value else None

    def required(self, name: str, rule: TextRule | None = None) -> str:
        value = self.raw(name)
        if value is None:
            raise missing_parameter(name, suffix=self._missing_suffix)
        return checked_text(name, value, rule)

    def optional(self, name: str, rule: TextRule | None = None) -> str | None:
        value = self.raw(name)
        return None if value is None else checked_text(name, value, rule)

    def integer(
        self, name: str, *, default: int | None = None, minimum: int, maximum: int
    ) -> int | None:
        value = self.raw(name)
        if value is None:
            return default
        return checked_integer(name, value, minimum=minimum, maximum=maximum)

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        folded = value.strip().lower()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise InvalidParameter(
            name, f"The parameter {name} {_quoted(name, value)} must be true or false."
        )

    def choice(self, name: str, allowed: tuple[str, ...], *, default: str | None = None) -> str:
        """One of ``allowed`` (exact spelling); the default when absent, or required if none."""
        value = self.raw(name)
        if value is None:
            if default is None:
                return self.required(name)
            return default
        return checked_choice(name, value, allowed)

    def json_list(self, name: str) -> list[Any]:
        """A list sent as one JSON string (Tag, ResourceNames, TagKeys); ``[]`` when absent."""
        value = self.raw(name)
        if value is None:
            return []
        try:
            decoded = decode_json(value)
        except NestedTooDeep as exc:
            raise InvalidParameter(
                name, f"The parameter {name} is not a JSON list: {exc.msg}."
            ) from None
        except json.JSONDecodeError:
            raise InvalidParameter(
                name, f"The parameter {name} {_quoted(name, value)} is not a JSON list."
            ) from None
        if not isinstance(decoded, list):
            raise InvalidParameter(
                name, f"The parameter {name} {_quoted(name, value)} is not a JSON list."
            )
        return decoded

    def tags(self, name: str = "Tag", *, limit: int = 20) -> list[tuple[str, str]]:
        """``[{"Key": k, "Value": v}, …]`` as (key, value) pairs, keys unique."""
        pairs: list[tuple[str, str]] = []
        for item in self.json_list(name):
            key = item.get("Key") if isinstance(item, dict) else None
            value = item.get("Value", "") if isinstance(item, dict) else None
            if not isinstance(key, str) or not isinstance(value, str):
                raise _malformed_tag(name)
            pairs.append(checked_tag(name, key, value))
        return checked_tag_set(name, pairs, limit=limit)

    def max_items(self, *, default: int = 100, maximum: int = 1000) -> int:
        value = self.integer("MaxItems", default=default, minimum=1, maximum=maximum)
        return default if value is None else value
