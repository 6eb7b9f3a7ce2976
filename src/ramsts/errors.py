"""The one error hierarchy of ramsts.

Every error a client can see is a :class:`RamstsError`: it carries the real service's wire
``code`` (``EntityNotExist.Role``, ``SignatureDoesNotMatch``…), the HTTP status the real service
answers with, and a message for people. Errors are raised where the rule lives and rendered into
the service's envelope in one place (``ramsts.api.errors``).

The families below mirror the real code prefixes. A family is instantiated with the suffix that
names the rule, so the code is built from the family and the rule rather than from free text::

    raise EntityNotExist("Role", f"The role does not exist: {name}.")   # EntityNotExist.Role, 404
    raise InvalidParameter("RoleSessionName", "The parameter RoleSessionName is wrongly formed.")

Messages quote the user's input but never a secret, and never a Python class name.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RamstsError(Exception):
    """Root of every error that reaches a client with its own code and status."""

    family: ClassVar[str] = "InternalError"
    http_status: ClassVar[int] = 500

    def __init__(
        self,
        suffix: str | None,
        message: str,
        *,
        http_status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = f"{self.family}.{suffix}" if suffix else self.family
        self.message = message
        if http_status is not None:
            self.http_status = http_status  # type: ignore[misc]
        self.detail = detail or {}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidParameter(RamstsError):
    """A parameter is present but wrongly formed, too long, or out of range."""

    family = "InvalidParameter"
    http_status = 400


class MissingParameter(RamstsError):
    """A required parameter is absent."""

    family = "MissingParameter"
    http_status = 400


class MalformedPolicyDocument(RamstsError):
    """A stored policy (identity or trust) failed the grammar check."""

    family = "MalformedPolicyDocument"
    http_status = 400


class EntityNotExist(RamstsError):
    family = "EntityNotExist"
    http_status = 404


class EntityAlreadyExists(RamstsError):
    family = "EntityAlreadyExists"
    http_status = 409


class DeleteConflict(RamstsError):
    family = "DeleteConflict"
    http_status = 409


class LimitExceeded(RamstsError):
    family = "LimitExceeded"
    http_status = 409


class NoPermission(RamstsError):
    """The policy engine did not allow the action; ``detail`` carries AccessDeniedDetail."""

    family = "NoPermission"
    http_status = 403


NOT_AUTHORIZED = "You are not authorized to do this action."
"""A refusal's message where nothing more may be said: an action reached without an
authenticated caller."""


def not_supplied(name: str) -> str:
    """The message of a required parameter not given, as the gateway and the services word it."""
    return (
        f'The input parameter "{name}" that is mandatory for processing this request'
        " is not supplied."
    )


class AuthenticationFail(RamstsError):
    """A federated credential (an OIDC token) that does not prove who it claims to be, or whose
    issuer ramsts could not check: ``AuthenticationFail.OIDCToken.Expired``,
    ``AuthenticationFail.NoPermission``… (401), as STS answers AssumeRoleWithOIDC."""

    family = "AuthenticationFail"
    http_status = 401


class WholeCodeError(RamstsError):
    """Errors whose codes share no prefix, so that the full code is given, not a suffix
    (``SignatureDoesNotMatch``, ``InvalidAccessKeyId.NotFound``, ``Throttling.User``…). The
    families below say where the rule lives."""

    family = ""
    http_status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(None, message, http_status=http_status, detail=detail)
        self.code = code


class AuthenticationError(WholeCodeError):
    """The request's credentials do not hold: signature, AccessKey, SecurityToken, timestamp,
    nonce (``SignatureDoesNotMatch``, ``InvalidSecurityToken.Expired``…)."""


class GatewayError(WholeCodeError):
    """Routing failures before any action runs: unknown action or version, bad method."""


class ServiceError(WholeCodeError):
    """Any other code with its own status, for rules whose codes follow no family
    (``Throttling.User``, ``Inactive``, ``CheckAuthenticationCodeFail``…)."""


class ServiceUnavailable(RamstsError):
    """The service cannot answer now, through no fault of the request (its database cannot be
    reached, a guard cannot reach its ramsts server); the same call may succeed when retried.
    The message is generic, as the real service's; ``reason`` says what failed, for the log
    only (it may name hosts and ports)."""

    family = "ServiceUnavailable"
    http_status = 503

    GENERIC_MESSAGE = "The request has failed due to a temporary failure of the server."

    def __init__(self, message: str = GENERIC_MESSAGE, *, reason: str = "") -> None:
        super().__init__(None, message)
        self.reason = reason


class InternalError(RamstsError):
    """Something unexpected. Its message is generic; the detail goes to the log only."""

    family = "InternalError"
    http_status = 500

    GENERIC_MESSAGE = "The request processing has failed due to some unknown error."

    def __init__(self, message: str = GENERIC_MESSAGE) -> None:
        super().__init__(None, message)
