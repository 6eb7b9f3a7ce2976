"""What every federated AssumeRole* request names: an identity provider of an account and the
role to assume, as ARNs checked against their forms (AssumeRoleWithOIDC, AssumeRoleWithSAML)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ramsts.errors import InvalidParameter
from ramsts.parameters import Parameters
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

    @classmethod
    def read(cls, read: Parameters, parameter: str, kind: str) -> FederatedTarget:
        """The provider ARN of ``parameter`` (``acs:ram::<AccountId>:<kind>/<Name>``, ``kind``
        ``oidc-provider`` or ``saml-provider``) and ``RoleArn``; ``MissingParameter.<Name>``
        or ``InvalidParameter.<Name>`` otherwise."""
        provider_arn = read.required(parameter)
        provider = re.fullmatch(
            rf"acs:ram::([0-9]{{1,32}}):{kind}/({_PROVIDER_NAME})", provider_arn
        )
        if provider is None:
            raise InvalidParameter(
                parameter,
                f"The parameter {parameter} must be acs:ram::<AccountId>:{kind}/<Name>;"
                f" got {shown(provider_arn)}.",
            )
        role_arn = read.required("RoleArn")
        role = ROLE_ARN.fullmatch(role_arn)
        if role is None:
            raise InvalidParameter(
                "RoleArn", f"The parameter RoleArn is wrongly formed: {shown(role_arn)}."
            )
        return cls(
            provider_account_id=provider.group(1),
            provider_name=provider.group(2),
            provider_arn=provider_arn,
            role_account_id=role.group(1),
            role_name=role.group(2),
            role_arn=role_arn,
        )


def shown(value: str) -> str:
    """A request's value as a message quotes it: at most 64 characters."""
    return repr(value if len(value) <= 64 else value[:64] + "…")
