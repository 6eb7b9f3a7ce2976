"""What every federated AssumeRole* request names: an identity provider of an account and the
role to assume, as ARNs checked against their forms (AssumeRoleWithOIDC, AssumeRoleWithSAML)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ramsts.errors import InvalidParameter
from ramsts.sts.assume_role import ROLE_ARN

_PROVIDER_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,126}[A-Za-z0-9])?"


@dataclass(frozen=True, slots=True)
class FederatedTarget:
    provider_account_id: str
    provider_name: str
    provider_arn: str
    role_account_id: str
    role_name: str
    role_arn: str


def provider_arn_parts(parameter: str, provider_arn: str, kind: str) -> tuple[str, str]:
    """The account id and provider name of ``provider_arn`` (parameter ``parameter``), an
    ``acs:ram::<AccountId>:<kind>/<Name>`` (``kind`` ``oidc-provider`` or ``saml-provider``);
    ``InvalidParameter.<parameter>`` otherwise."""
    provider = re.fullmatch(rf"acs:ram::([0-9]{{1,32}}):{kind}/({_PROVIDER_NAME})", provider_arn)
    if provider is None:
        raise InvalidParameter(
            parameter,
            f"The parameter {parameter} must be acs:ram::<AccountId>:{kind}/<Name>;"
            f" got {shown(provider_arn)}.",
        )
    return provider.group(1), provider.group(2)


def role_arn_parts(role_arn: str) -> tuple[str, str]:
    """The account id and role name of ``role_arn``; ``InvalidParameter.RoleArn`` otherwise."""
    role = ROLE_ARN.fullmatch(role_arn)
    if role is None:
        raise InvalidParameter(
            "RoleArn", f"The parameter RoleArn is wrongly formed: {shown(role_arn)}."
        )
    return role.group(1), role.group(2)


def shown(value: str) -> str:
    """A request's value as a message quotes it: at most 64 characters."""
    return repr(value if len(value) <= 64 else value[:64] + "…")
