"""RAM users' console passwords: the account's password policy (SetPasswordPolicy,
GetPasswordPolicy) and a user changing its own password (ChangePassword), spec api.md §9.2–9.3.

The policy is stored per account as a JSON document keyed by the API's own names; an account that
never set one has the real service's defaults. ``SetPasswordPolicy`` changes only the settings
it is given: a call that names one setting never loosens the others behind the caller's back.

:func:`check_new_password` is the one place a new password meets the policy (CreateLoginProfile,
UpdateLoginProfile, ChangePassword and the console's forced change all go through it), and
:func:`change_password` is the change itself, shared with the console.

The use cases (:func:`get_password_policy`, :func:`set_password_policy`,
:func:`change_own_password`) run as :mod:`ramsts.ram.users`' do, in the transaction given
(``within``) or their own; :mod:`ramsts.ram.wire.passwords` serves them as RAM's actions, and
Ims's (:mod:`ramsts.ims.account_settings`) under its names. The readers of their parameters
(:func:`requested_password_policy`, :func:`own_password_change`) are here, where both find them;
the console reads its form, whose fields are the API's parameters, with them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.crypto import hash_password, verify_password
from ramsts.errors import EntityNotExist, InvalidParameter, NoPermission
from ramsts.parameters import Parameters, TextRule, required_text
from ramsts.ram.accounts import PASSWORD_MAX_LENGTH
from ramsts.ram.arns import account_resource
from ramsts.ram.security_preference import security_preference
from ramsts.store import LoginProfile, Transaction
from ramsts.types import Secret

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

PASSWORD = TextRule(PASSWORD_MAX_LENGTH)
MINIMUM_LENGTH_RANGE = (8, 32)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """An account's password policy; the defaults are the real service's."""

    minimum_password_length: int = 8
    require_lowercase_characters: bool = False
    require_uppercase_characters: bool = False
    require_numbers: bool = False
    require_symbols: bool = False
    hard_expiry: bool = False
    """When a password has expired, only an administrator's reset lets the user in again."""
    max_password_age: int = 0
    """Days a password is valid; 0: passwords never expire."""
    password_reuse_prevention: int = 0
    """How many of the latest passwords a new one must differ from; 0: no check."""
    max_login_attempts: int = 5
    """Wrong passwords within an hour before sign-in is locked; 0: never locked."""

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> PasswordPolicy:
        values = stored or {}
        return cls(**{field: values[wire] for field, wire in WIRE_NAMES.items() if wire in values})

    def render(self) -> dict[str, Any]:
        """The ``PasswordPolicy`` object of the API, also what the store keeps."""
        return {wire: getattr(self, field) for field, wire in WIRE_NAMES.items()}


WIRE_NAMES = {
    "minimum_password_length": "MinimumPasswordLength",
    "require_lowercase_characters": "RequireLowercaseCharacters",
    "require_uppercase_characters": "RequireUppercaseCharacters",
    "require_numbers": "RequireNumbers",
    "require_symbols": "RequireSymbols",
    "hard_expiry": "HardExpiry",
    "max_password_age": "MaxPasswordAge",
    "password_reuse_prevention": "PasswordReusePrevention",
    "max_login_attempts": "MaxLoginAttemps",  # sic: the service's own spelling
}
"""Each setting's name in the API (and in the stored document)."""


def password_policy(tx: Transaction, account_id: str) -> PasswordPolicy:
    return PasswordPolicy.from_stored(tx.account_settings.get(account_id).password_policy)


def _is_symbol(character: str) -> bool:
    return not character.isalnum() and not character.isspace()


def check_password_strength(policy: PasswordPolicy, password: Secret) -> None:
    """Raise ``InvalidParameter.Password.TooWeak`` naming the first rule ``password`` breaks."""
    plain = password.reveal()
    rules = (
        (
            len(plain) >= policy.minimum_password_length,
            f"be at least {policy.minimum_password_length} characters long",
        ),
        (
            not policy.require_lowercase_characters or any(c.islower() for c in plain),
            "contain a lower-case letter",
        ),
        (
            not policy.require_uppercase_characters or any(c.isupper() for c in plain),
            "contain an upper-case letter",
        ),
        (not policy.require_numbers or any(c.isdigit() for c in plain), "contain a digit"),
        (not policy.require_symbols or any(_is_symbol(c) for c in plain), "contain a symbol"),
    )
    for met, rule in rules:
        if not met:
            raise InvalidParameter(
                "Password.TooWeak",
                f"The password does not meet the password policy: it must {rule}.",
            )


def check_password_reuse(
    policy: PasswordPolicy, password: Secret, profile: LoginProfile | None
) -> None:
    """Refuse a password equal to the current one or to one of the latest before it, as
    PasswordReusePrevention counts them (the current password is the first)."""
    if policy.password_reuse_prevention == 0 or profile is None:
        return
    recent = (profile.password_hash, *profile.password_history)
    for earlier in recent[: policy.password_reuse_prevention]:
        if verify_password(earlier, password):
            raise InvalidParameter(
                "Password.TooWeak",
                "The password does not meet the password policy: it must differ from the last"
                f" {policy.password_reuse_prevention} passwords.",
            )


def check_new_password(
    tx: Transaction, account_id: str, password: Secret, profile: LoginProfile | None
) -> str:
    """Check a new password of a user (``profile``: its login profile, if it has one) against
    the account's policy, and return its argon2id hash."""
    policy = password_policy(tx, account_id)
    check_password_strength(policy, password)
    check_password_reuse(policy, password, profile)
    return hash_password(password)


def change_password(
    tx: Transaction, user_id: str, old_password: Secret, new_password: Secret, *, now: datetime
) -> LoginProfile:
    """A user replaces its own password, proving the old one. Clears PasswordResetRequired.

    The console calls this for a sign-in that ended in "must change password"; the
    ``ChangePassword`` action calls it after checking the security preference.
    """
    profile = tx.login_profiles.get(user_id)
    if profile is None:
        raise EntityNotExist("User.LoginProfile", "The user has no login profile.")
    if not verify_password(profile.password_hash, old_password):
        raise InvalidParameter("OldPassword", "The old password is not correct.")
    password_hash = check_new_password(tx, profile.account_id, new_password, profile)
    changed = replace(profile, password_hash=password_hash, password_reset_required=False)
    return tx.login_profiles.update(changed, now=now)


def requested_password_policy(
    read: Parameters, names: Mapping[str, str] = WIRE_NAMES
) -> dict[str, Any]:
    """The settings the request names, range-checked, by field name; ``names``: each setting's
    parameter name (Ims spells ``HardExpiry`` ``HardExpire``)."""
    minimum_length = read.integer("MinimumPasswordLength", minimum=-(2**31), maximum=2**31)
    low, high = MINIMUM_LENGTH_RANGE
    if minimum_length is not None and not low <= minimum_length <= high:
        raise InvalidParameter(
            "MinimumPasswordLength.Range",
            f"The parameter MinimumPasswordLength must be between {low} and {high};"
            f" got {minimum_length}.",
        )
    integers = {
        "minimum_password_length": minimum_length,
        "max_password_age": read.integer("MaxPasswordAge", minimum=0, maximum=1095),
        "password_reuse_prevention": read.integer("PasswordReusePrevention", minimum=0, maximum=24),
        "max_login_attempts": read.integer("MaxLoginAttemps", minimum=0, maximum=32),
    }
    changes: dict[str, Any] = {name: value for name, value in integers.items() if value is not None}
    for name in (
        "require_lowercase_characters",
        "require_uppercase_characters",
        "require_numbers",
        "require_symbols",
        "hard_expiry",
    ):
        wire = names[name]
        if wire in read:
            changes[name] = read.boolean(wire, default=False)
    return changes


def get_password_policy(
    ram: RamService, caller: Caller, within: Transaction | None = None
) -> PasswordPolicy:
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:GetPasswordPolicy", account_resource(account_id))
    with ram.read(within=within) as tx:
        return password_policy(tx, account_id)


def set_password_policy(
    ram: RamService,
    caller: Caller,
    changes: Mapping[str, Any],
    within: Transaction | None = None,
) -> PasswordPolicy:
    """``changes`` (field name → value, as :func:`requested_password_policy` reads them) over
    the account's policy; the policy as stored."""
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:SetPasswordPolicy", account_resource(account_id))
    with ram.transaction(account_id, within=within) as tx:
        policy = replace(password_policy(tx, account_id), **changes)
        tx.account_settings.set_password_policy(account_id, policy.render())
    return policy


@dataclass(frozen=True, slots=True)
class OwnPasswordChange:
    """The calling RAM user's password ``old_password`` becomes ``new_password``."""

    old_password: Secret
    new_password: Secret

    def __post_init__(self) -> None:
        required_text("OldPassword", self.old_password.reveal(), PASSWORD)
        required_text("NewPassword", self.new_password.reveal(), PASSWORD)


def own_password_change(read: Parameters) -> OwnPasswordChange:
    return OwnPasswordChange(
        Secret(read.required("OldPassword", PASSWORD)),
        Secret(read.required("NewPassword", PASSWORD)),
    )


def change_own_password(
    ram: RamService, caller: Caller, change: OwnPasswordChange, within: Transaction | None = None
) -> None:
    """ChangePassword: a RAM user changing its own password."""
    if caller.identity_type != "RAMUser" or caller.user_id is None:
        raise NoPermission(None, "Only a RAM user can change its own password.")
    with ram.transaction(caller.account_id, within=within) as tx:
        user = ram.caller_user(tx, caller)
        # Whether users may change their passwords is the security preference's to say, not
        # a policy's; an explicit Deny on ram:ChangePassword is still honoured.
        if ram.authorizer.decide(caller, "ram:ChangePassword", user.arn).effect == "ExplicitDeny":
            ram.authorizer.require(caller, "ram:ChangePassword", user.arn)
        if not security_preference(tx, caller.account_id).allow_user_to_change_password:
            raise NoPermission(
                None, "The account's security preference does not let users change passwords."
            )
        change_password(tx, caller.user_id, change.old_password, change.new_password, now=ram.now())
