"""AssumeRoleWithOIDC (api.md §8.3) and AssumeRoleWithSAML (§8.2) on the wire: unsigned, the
ID token or the assertion in the parameters; the answer adds what it said (``OIDCTokenInfo``,
``SAMLAssertionInfo``) to the session's."""

from __future__ import annotations

from datetime import UTC, datetime

from ramsts.errors import AuthenticationFail
from ramsts.parameters import Parameters
from ramsts.ram.rendering import Body
from ramsts.sts.assume_role_with_oidc import (
    AssumeRoleWithOIDC,
    AssumeRoleWithOIDCRequest,
    OIDCSession,
)
from ramsts.sts.assume_role_with_saml import (
    AssumeRoleWithSAML,
    AssumeRoleWithSAMLRequest,
    SAMLSession,
)
from ramsts.sts.federated_targets import (
    FederatedTarget,
    provider_arn_parts,
    role_arn_parts,
    shown,
)
from ramsts.sts.wire.declaration import AnonymousAction
from ramsts.sts.wire.sessions import duration_seconds, render_session, session_name, utc_timestamp

VERIFIED = "Success"
"""``OIDCTokenInfo.VerificationInfo`` of a token that passed every check."""


def federated_target(read: Parameters, parameter: str, kind: str) -> FederatedTarget:
    """The provider ARN of ``parameter`` (of ``kind``: ``oidc-provider``, ``saml-provider``)
    and ``RoleArn``, each required and checked in turn."""
    provider_arn = read.required(parameter)
    provider_account_id, provider_name = provider_arn_parts(parameter, provider_arn, kind)
    role_arn = read.required("RoleArn")
    role_account_id, role_name = role_arn_parts(role_arn)
    return FederatedTarget(
        provider_account_id=provider_account_id,
        provider_name=provider_name,
        provider_arn=provider_arn,
        role_account_id=role_account_id,
        role_name=role_name,
        role_arn=role_arn,
    )


def oidc_request(read: Parameters) -> AssumeRoleWithOIDCRequest:
    target = federated_target(read, "OIDCProviderArn", "oidc-provider")
    token = read.raw("OIDCToken")
    if token is None:
        raise AuthenticationFail("OIDCToken.Invalid", "The OIDCToken can not be empty.")
    return AssumeRoleWithOIDCRequest(
        target=target,
        token=token,
        session_name=session_name(read, shown),
        duration_seconds=duration_seconds(read),
        policy_text=read.raw("Policy"),
    )


def saml_request(read: Parameters) -> AssumeRoleWithSAMLRequest:
    target = federated_target(read, "SAMLProviderArn", "saml-provider")
    return AssumeRoleWithSAMLRequest(
        target=target,
        # As sent: IdPs wrap their base64 in lines, which the text rules would refuse.
        assertion=read.raw("SAMLAssertion") or read.required("SAMLAssertion"),
        duration_seconds=duration_seconds(read),
        policy_text=read.raw("Policy"),
    )


def render_oidc_session(bought: OIDCSession) -> Body:
    token = bought.token
    body = render_session(bought.session)
    body["OIDCTokenInfo"] = {
        "Issuer": token.issuer,
        "Subject": token.subject,
        "ClientIds": ",".join(token.audiences),
        "IssuanceTime": utc_timestamp(datetime.fromtimestamp(token.issued_at, UTC)),
        "ExpirationTime": utc_timestamp(datetime.fromtimestamp(token.expires_at, UTC)),
        "VerificationInfo": VERIFIED,
    }
    return body


def render_saml_session(bought: SAMLSession) -> Body:
    assertion = bought.assertion
    body = render_session(bought.session)
    body["SAMLAssertionInfo"] = {
        "SubjectType": assertion.subject_type,
        "Subject": assertion.subject,
        "Recipient": assertion.recipient,
        "Issuer": assertion.issuer,
    }
    return body


def oidc_action(
    oidc: AssumeRoleWithOIDC,
) -> AnonymousAction[AssumeRoleWithOIDCRequest, OIDCSession]:
    return AnonymousAction(
        "AssumeRoleWithOIDC", oidc_request, oidc.assume, render_oidc_session, cached=True
    )


def saml_action(
    saml: AssumeRoleWithSAML,
) -> AnonymousAction[AssumeRoleWithSAMLRequest, SAMLSession]:
    # Not cached: every call spends its assertion in the replay ledger, a database write.
    return AnonymousAction("AssumeRoleWithSAML", saml_request, saml.assume, render_saml_session)
