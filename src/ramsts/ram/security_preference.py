"""An account's security preference: SetSecurityPreference and GetSecurityPreference (spec
api.md §9.2), and where each setting is enforced:

* ``AllowUserToManageAccessKeys``, ``AllowUserToManageMFADevices``: what RAM users may do on
  their own credentials without a policy (:func:`require_self_service`); the console's sign-in
  also binds a device itself only when the MFA setting allows.
* ``AllowUserToChangePassword``: ``ChangePassword`` (:mod:`ramsts.ram.passwords`).
* ``LoginSessionDuration``, ``LoginNetworkMasks``: console sign-in and every request of a RAM
  user's console session (:mod:`ramsts.ram.sign_in`, :mod:`ramsts.ram.sign_in_sessions`).
* ``EnableSaveMFATicket``: whether the console's sign-in may remember a passed MFA check on a
  browser (:mod:`ramsts.ram.sign_in_remembered`).
* ``AllowUserToManagePublicKeys`` is stored and returned only: ramsts has no public-key actions
  (the real service offers them on its Japan site alone).

None of them binds an account's root, which no setting or policy restricts.

It is stored flat, keyed by the API's parameter names, and rendered in the service's nested
shape (``LoginProfilePreference``, ``AccessKeyPreference``, ``MFAPreference``,
``PublicKeyPreference``). An account that never set one has the real service's defaults.
``SetSecurityPreference`` changes only the settings it is given, so that naming one setting never
silently loosens another (dropping the network masks, say). ``LoginNetworkMasks`` sent empty
clears the masks: sign-in is then allowed from anywhere.

The use cases (:func:`get_security_preference`, :func:`set_security_preference`) run as
:mod:`ramsts.ram.users`' do, in the transaction given (``within``) or their own;
:mod:`ramsts.ram.wire.security_preference` serves them as RAM's actions, and Ims's
(:mod:`ramsts.ims.account_settings`) under its names, both reading the parameters with
:func:`requested_security_preference`, as the console reads its form (the API's parameters).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ramsts.caller import Caller
from ramsts.errors import InvalidParameter
from ramsts.parameters import Parameters
from ramsts.ram.arns import account_resource, user_arn
from ramsts.store import Transaction

if TYPE_CHECKING:
    from ramsts.ram.service import RamService

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_NETWORK_MASKS = 25
MAX_NETWORK_MASKS_LENGTH = 512
LOGIN_SESSION_HOURS = (1, 24)


@dataclass(frozen=True, slots=True)
class SecurityPreference:
    enable_save_mfa_ticket: bool = False
    """Whether the console may remember a passed MFA check on a browser for seven days."""
    allow_user_to_change_password: bool = True
    login_session_duration: int = 6
    """Hours a console session lasts."""
    login_network_masks: str = ""
    """``;``-separated CIDR blocks console sign-in is allowed from; empty: anywhere."""
    allow_user_to_manage_access_keys: bool = False
    allow_user_to_manage_mfa_devices: bool = True
    allow_user_to_manage_public_keys: bool = False

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> SecurityPreference:
        values = stored or {}
        return cls(**{field: values[wire] for field, wire in WIRE_NAMES.items() if wire in values})

    def stored(self) -> dict[str, Any]:
        return {wire: getattr(self, field) for field, wire in WIRE_NAMES.items()}

    def render(self) -> dict[str, Any]:
        """The ``SecurityPreference`` object of the API."""
        return {
            "LoginProfilePreference": {
                "EnableSaveMFATicket": self.enable_save_mfa_ticket,
                "AllowUserToChangePassword": self.allow_user_to_change_password,
                "LoginSessionDuration": self.login_session_duration,
                "LoginNetworkMasks": self.login_network_masks,
            },
            "AccessKeyPreference": {
                "AllowUserToManageAccessKeys": self.allow_user_to_manage_access_keys
            },
            "MFAPreference": {"AllowUserToManageMFADevices": self.allow_user_to_manage_mfa_devices},
            "PublicKeyPreference": {
                "AllowUserToManagePublicKeys": self.allow_user_to_manage_public_keys
            },
        }

    def networks(self) -> tuple[Network, ...]:
        return tuple(parse_network_masks(self.login_network_masks))

    def allows_source_ip(self, source_ip: str) -> bool:
        """Whether console sign-in from ``source_ip`` is allowed; an address that does not
        parse is allowed only when no masks are set."""
        networks = self.networks()
        if not networks:
            return True
        try:
            address = ipaddress.ip_address(source_ip)
        except ValueError:
            return False
        return any(address in network for network in networks)


WIRE_NAMES = {
    "enable_save_mfa_ticket": "EnableSaveMFATicket",
    "allow_user_to_change_password": "AllowUserToChangePassword",
    "login_session_duration": "LoginSessionDuration",
    "login_network_masks": "LoginNetworkMasks",
    "allow_user_to_manage_access_keys": "AllowUserToManageAccessKeys",
    "allow_user_to_manage_mfa_devices": "AllowUserToManageMFADevices",
    "allow_user_to_manage_public_keys": "AllowUserToManagePublicKeys",
}
"""Each setting's parameter name in the API (and in the stored document)."""


def security_preference(tx: Transaction, account_id: str) -> SecurityPreference:
    return SecurityPreference.from_stored(tx.account_settings.get(account_id).security_preference)


SELF_SERVICE = {
    "ram:CreateAccessKey": "allow_user_to_manage_access_keys",
    "ram:UpdateAccessKey": "allow_user_to_manage_access_keys",
    "ram:DeleteAccessKey": "allow_user_to_manage_access_keys",
    "ram:ListAccessKeys": "allow_user_to_manage_access_keys",
    "ram:GetAccessKeyLastUsed": "allow_user_to_manage_access_keys",
    "ram:CreateVirtualMFADevice": "allow_user_to_manage_mfa_devices",
    "ram:DeleteVirtualMFADevice": "allow_user_to_manage_mfa_devices",
    "ram:BindMFADevice": "allow_user_to_manage_mfa_devices",
    "ram:UnbindMFADevice": "allow_user_to_manage_mfa_devices",
    "ram:GetUserMFAInfo": "allow_user_to_manage_mfa_devices",
}
"""The actions a RAM user may do on its own credentials when the setting named allows it."""
NEEDS_MFA = frozenset({"ram:UnbindMFADevice"})
"""Self-service actions granted only to a caller that passed MFA (a console session signed in
with the device): otherwise a stolen AccessKey could remove the device that guards the
password."""


def require_self_service(ram: RamService, principal: Caller, action: str, resource: str) -> None:
    """``ram.authorizer.require``, plus what the security preference grants every RAM user on
    its own credentials (:data:`SELF_SERVICE`): ``AllowUserToManageAccessKeys`` its own
    AccessKeys, ``AllowUserToManageMFADevices`` its own MFA device (the virtual device named
    after it, as the console names it; unbinding it only after an MFA check, :data:`NEEDS_MFA`).
    As on the real service the preference grants, it does
    not take away: a policy that allows the action still does when the setting is off, and an
    explicit Deny still refuses when it is on. Otherwise ``NoPermission`` (403), as for any
    refused action."""
    decision = ram.authorizer.decide(principal, action, resource)
    if decision.allowed:
        return
    setting = SELF_SERVICE.get(action)
    if action in NEEDS_MFA and principal.context.get("acs:MFAPresent") != "true":
        setting = None
    if setting and decision.effect != "ExplicitDeny" and _is_own(principal, resource):
        with ram.read() as tx:
            preference = security_preference(tx, principal.account_id)
        if getattr(preference, setting):
            return
    ram.authorizer.require(principal, action, resource)


def _is_own(principal: Caller, resource: str) -> bool:
    """Whether ``resource`` is the calling RAM user, or its virtual MFA device."""
    if principal.identity_type != "RAMUser" or not principal.user_name:
        return False
    account_id, name = principal.account_id, principal.user_name
    own = (user_arn(account_id, name), f"acs:ram::{account_id}:mfa/{name}")
    return resource.lower() in (arn.lower() for arn in own)


def parse_network_masks(text: str) -> list[Network]:
    """``10.0.0.0/8;192.168.1.0/24`` as networks (a bare address is its own /32 or /128).
    Raises ``InvalidParameter.LoginNetworkMasks`` naming the mask that does not parse."""
    masks = [mask.strip() for mask in text.split(";") if mask.strip()]
    if len(text) > MAX_NETWORK_MASKS_LENGTH or len(masks) > MAX_NETWORK_MASKS:
        raise InvalidParameter(
            "LoginNetworkMasks",
            f"At most {MAX_NETWORK_MASKS} network masks, {MAX_NETWORK_MASKS_LENGTH} characters in"
            " all, may be given in LoginNetworkMasks.",
        )
    networks: list[Network] = []
    for mask in masks:
        try:
            networks.append(ipaddress.ip_network(mask, strict=False))
        except ValueError:
            raise InvalidParameter(
                "LoginNetworkMasks",
                f"The network mask {mask!r} in LoginNetworkMasks is not a CIDR block.",
            ) from None
    return networks


def requested_security_preference(
    read: Parameters, raw: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The settings the request names, checked, by field name. ``raw``: the parameters
    ``read`` reads, as Ims's handler still passes them; ``read`` says what was sent."""
    defaults = SecurityPreference()
    changes: dict[str, Any] = {}
    for field, wire in WIRE_NAMES.items():
        if isinstance(getattr(defaults, field), bool) and wire in read:
            changes[field] = read.boolean(wire, default=False)
    low, high = LOGIN_SESSION_HOURS
    duration = read.integer("LoginSessionDuration", minimum=low, maximum=high)
    if duration is not None:
        changes["login_session_duration"] = duration
    # Present but empty means "clear the masks", which Parameters would read as absent.
    if read.sent("LoginNetworkMasks"):
        masks = read.optional("LoginNetworkMasks") or ""
        changes["login_network_masks"] = ";".join(str(n) for n in parse_network_masks(masks))
    return changes


def get_security_preference(
    ram: RamService, caller: Caller, within: Transaction | None = None
) -> SecurityPreference:
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:GetSecurityPreference", account_resource(account_id))
    with ram.read(within=within) as tx:
        return security_preference(tx, account_id)


def set_security_preference(
    ram: RamService,
    caller: Caller,
    changes: Mapping[str, Any],
    within: Transaction | None = None,
) -> SecurityPreference:
    """``changes`` (field name → value, as :func:`requested_security_preference` reads them)
    over the account's preference; the preference as stored."""
    account_id = caller.account_id
    ram.authorizer.require(caller, "ram:SetSecurityPreference", account_resource(account_id))
    with ram.transaction(account_id, within=within) as tx:
        preference = replace(security_preference(tx, account_id), **changes)
        tx.account_settings.set_security_preference(account_id, preference.stored())
    return preference
