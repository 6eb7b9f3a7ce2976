"""AssumeRoleWithSAML (api.md §8.2): a SAML Response of a trusted IdP buys a role session.

The request is unsigned, as on the real service: the IdP's signed assertion is the credential.
It takes ``SAMLProviderArn``, ``RoleArn``, ``SAMLAssertion`` (base64 of the whole SAML Response),
and optionally ``Policy`` and ``DurationSeconds`` with AssumeRole's rules. It is allowed when

1. ``SAMLProviderArn`` names a SAML provider that exists (Ims ``CreateSAMLProvider``), else
   ``EntityNotExist.SAMLProvider`` (404); its stored metadata still parses, else
   ``AuthenticationFail.IDPMetadata.Invalid`` (401);
2. the Response verifies against the provider's metadata
   (:func:`ramsts.federation.saml_assertions.verify_saml_response`: exactly one assertion, signed
   by a metadata certificate, Issuer, Recipient, Audience, validity; 401
   ``AuthenticationFail.SAMLAssertion.Invalid`` / ``.Expired``);
3. its ``https://www.aliyun.com/SAML-Role/Attributes/Role`` attribute lists the pair
   ``<RoleArn>,<SAMLProviderArn>`` of the request, and its ``…/RoleSessionName`` attribute is a
   valid session name (``InvalidParameter.RoleSessionName`` otherwise, 400);
4. the role exists (``EntityNotExist.RoleArn``, 404) and its trust policy trusts the provider —
   ``"Principal": {"Federated": ["acs:ram::<uid>:saml-provider/<name>"]}`` — with its conditions
   met by ``saml:recipient``, ``saml:iss``, ``saml:sub``, ``saml:sub_type``, ``saml:aud`` and
   ``sts:RoleSessionName`` (and ``sts:SourceIdentity`` when the assertion's
   ``…/SourceIdentity`` attribute sets one) (``AuthenticationFail.NoPermission``, 401);
5. the assertion was never spent before, by any process sharing the database (the replay ledger
   keeps it until it expires; ``AuthenticationFail.SAMLAssertion.Invalid``).

The session is then issued by :meth:`ramsts.sts.assume_role.AssumeRole.issue`, as for AssumeRole
and AssumeRoleWithOIDC: the same DurationSeconds range, session policy, token, revocation and
guard; its principal is the provider's ARN. The answer adds ``SAMLAssertionInfo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ramsts.errors import AuthenticationFail, EntityNotExist, InvalidParameter
from ramsts.federation.saml_assertions import (
    ROLE_ATTRIBUTE,
    ROLE_SESSION_NAME_ATTRIBUTE,
    SamlAssertion,
    invalid,
    verify_saml_response,
)
from ramsts.federation.saml_metadata import IdpMetadata, MetadataInvalid, parse_idp_metadata
from ramsts.policy import Principal, evaluate_trust
from ramsts.store import SamlProvider, Store
from ramsts.sts.assume_role import (
    ROLE_SESSION_NAME,
    AssumeRole,
    IssuedSession,
    SessionRequest,
    checked_source_identity,
    session_policy,
)
from ramsts.sts.federated_targets import FederatedTarget, shown
from ramsts.types import Clock, system_clock

RECIPIENTS = frozenset(
    {"https://signin.aliyun.com/saml-role/sso", "https://signin.alibabacloud.com/saml-role/sso"}
)
"""The Assertion Consumer Service URLs of Alibaba Cloud's role-based SSO (China and
international sites): what an IdP configured for Alibaba Cloud puts in ``Recipient``."""
AUDIENCE = "urn:alibaba:cloudcomputing"
"""Alibaba Cloud's SAML service-provider entity id: the ``Audience`` of its assertions."""
NO_SUCH_PROVIDER = "Can not find SAML provider."
SOURCE_IDENTITY_ATTRIBUTE = "https://www.aliyun.com/SAML-Role/Attributes/SourceIdentity"
"""The optional attribute that sets the session's SourceIdentity (named as the IdP-side
attributes above are; the response's ``SourceIdentity`` field is the real service's)."""


@dataclass(frozen=True, slots=True)
class AssumeRoleWithSAMLRequest:
    """What AssumeRoleWithSAML is asked, as the wire (:mod:`ramsts.sts.wire.federation`) read
    and checked it."""

    target: FederatedTarget
    assertion: str = field(repr=False)
    """Base64 of the IdP's SAML Response: a bearer credential."""
    duration_seconds: int | None
    policy_text: str | None


@dataclass(frozen=True, slots=True)
class SAMLSession:
    """A role session bought with a SAML assertion, and what the assertion said."""

    session: IssuedSession
    assertion: SamlAssertion


class AssumeRoleWithSAML:
    """The AssumeRoleWithSAML action. Thread-safe; one per process."""

    def __init__(
        self,
        store: Store,
        assume_role: AssumeRole,
        *,
        clock: Clock = system_clock,
        recipients: frozenset[str] = RECIPIENTS,
        audience: str = AUDIENCE,
    ) -> None:
        self._store = store
        self._assume_role = assume_role
        self._clock = clock
        self._recipients = recipients
        self._audience = audience

    def assume(self, request: AssumeRoleWithSAMLRequest) -> SAMLSession:
        """Anonymous by design: the IdP's signed assertion is the credential (a signed request
        is served the same, its signer playing no part)."""
        policy = None if request.policy_text is None else session_policy(request.policy_text)
        now = self._clock()
        with self._store.read() as tx:
            provider = tx.saml_providers.get(
                request.target.provider_account_id, request.target.provider_name
            )
        if provider is None:
            raise EntityNotExist("SAMLProvider", NO_SUCH_PROVIDER)
        assertion = verify_saml_response(
            request.assertion,
            _metadata(provider, now),
            now=now,
            recipients=self._recipients,
            audience=self._audience,
            sign_algo=provider.authn_sign_algo,
        )
        _require_role_pair(assertion, request, provider)
        session_name = _session_name(assertion)
        source_identity = _source_identity(assertion)
        cached = self._assume_role.role(request.target.role_account_id, request.target.role_name)
        role, trust = cached.role, cached.trust
        if role is None or trust is None:
            raise EntityNotExist("RoleArn", "The specified Role does not exists.")
        decision = evaluate_trust(
            trust,
            Principal(arn=provider.arn, account_id=provider.account_id, type="Federated"),
            _condition_keys(assertion, session_name, source_identity),
            action="sts:AssumeRoleWithSAML",
            principal_ids=dict(role.trusted_principal_ids),
        )
        if not decision.allowed:
            raise AuthenticationFail(
                "NoPermission",
                f"There is no permission: the trust policy of the role {role.role_name} does not"
                f" allow the SAML provider {provider.provider_name} (subject"
                f" {assertion.subject!r}) to assume it.",
            )
        with self._store.transaction() as tx:
            fresh = tx.saml_assertions.spend(
                assertion.replay_key, expires_at=assertion.usable_until, now=now
            )
        if not fresh:
            raise invalid("it was used already (each assertion buys one session)")
        session = self._assume_role.issue(
            role,
            SessionRequest(
                session_name=session_name,
                duration_seconds=request.duration_seconds,
                session_policy=policy,
                principal_arn=provider.arn,
                source_identity=source_identity,
            ),
        )
        return SAMLSession(session, assertion)


def _metadata(provider: SamlProvider, now: datetime) -> IdpMetadata:
    """The provider's metadata, with at least one signing certificate valid now; otherwise
    ``AuthenticationFail.IDPMetadata.Invalid`` (its IdP rotated keys and the provider was not
    updated, or the document was stored by an older version that checked less)."""
    try:
        metadata = parse_idp_metadata(provider.metadata_document.encode())
    except MetadataInvalid:
        metadata = None
    if metadata is None or not any(
        certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
        for certificate in metadata.certificates
    ):
        raise AuthenticationFail(
            "IDPMetadata.Invalid",
            "The IdP Metadata of your SAML Provider is invalid: it lists no signing certificate"
            " valid now.",
        )
    return metadata


def _require_role_pair(
    assertion: SamlAssertion, request: AssumeRoleWithSAMLRequest, provider: SamlProvider
) -> None:
    """The Role attribute's values are ``<role ARN>,<provider ARN>`` pairs (either order, as
    IdPs write them); one must name the request's role and provider. ARNs compare as RAM
    names do, in any letter case."""
    wanted = (request.target.role_arn.lower(), provider.arn.lower())
    for value in assertion.attributes.get(ROLE_ATTRIBUTE, ()):
        parts = [part.strip().lower() for part in value.split(",")]
        if len(parts) == 2 and (tuple(parts) == wanted or tuple(parts[::-1]) == wanted):
            return
    raise invalid(
        f"its {ROLE_ATTRIBUTE} attribute does not list {request.target.role_arn},{provider.arn}"
    )


def _session_name(assertion: SamlAssertion) -> str:
    values = assertion.attributes.get(ROLE_SESSION_NAME_ATTRIBUTE, ())
    if not values:
        raise invalid(f"it has no {ROLE_SESSION_NAME_ATTRIBUTE} attribute")
    name = values[0]
    if ROLE_SESSION_NAME.fullmatch(name) is None:
        raise InvalidParameter(
            "RoleSessionName",
            "The RoleSessionName attribute of the SAML assertion is wrongly formed: it must be 2"
            f" to 64 letters, digits, '.', '@', '-' or '_'; got {shown(name)}.",
        )
    return name


def _source_identity(assertion: SamlAssertion) -> str | None:
    values = assertion.attributes.get(SOURCE_IDENTITY_ATTRIBUTE, ())
    return checked_source_identity(values[0]) if values else None


def _condition_keys(
    assertion: SamlAssertion, session_name: str, source_identity: str | None
) -> dict[str, str | list[str]]:
    keys: dict[str, str | list[str]] = {
        "saml:recipient": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.subject,
        "saml:sub_type": assertion.subject_type,
        "saml:aud": list(assertion.audiences),
        "sts:RoleSessionName": session_name,
    }
    if source_identity is not None:
        keys["sts:SourceIdentity"] = source_identity
    return keys
