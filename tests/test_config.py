"""Settings from the environment and flags: the TLS certificate and key come together; the
SAML Recipient URLs are absolute URLs and reach the workers; the audit trail's retention is
days or hours, 90 days by default."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ramsts.config import Settings, settings_from_env
from ramsts.errors import InvalidParameter


def test_serving_https_is_off_by_default() -> None:
    settings = settings_from_env({})
    assert settings.tls_cert is None and settings.tls_key is None


def test_the_certificate_and_key_come_from_the_environment_and_flags_win() -> None:
    settings = settings_from_env({"RAMSTS_TLS_CERT": "env.pem", "RAMSTS_TLS_KEY": "env-key.pem"})
    assert (settings.tls_cert, settings.tls_key) == (Path("env.pem"), Path("env-key.pem"))
    flagged = settings.overridden(tls_cert="flag.pem", tls_key=None)
    assert (flagged.tls_cert, flagged.tls_key) == (Path("flag.pem"), Path("env-key.pem"))


@pytest.mark.parametrize(
    "env", [{"RAMSTS_TLS_CERT": "cert.pem"}, {"RAMSTS_TLS_KEY": "key.pem", "RAMSTS_TLS_CERT": ""}]
)
def test_one_without_the_other_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(InvalidParameter, match="both a certificate and its key") as raised:
        settings_from_env(env)
    assert raised.value.code == "InvalidParameter.Tls"
    with pytest.raises(InvalidParameter):
        Settings().overridden(tls_key="key.pem")


def test_saml_recipients_are_absolute_urls_that_reach_the_workers() -> None:
    assert settings_from_env({}).saml_recipients == ()
    settings = settings_from_env(
        {"RAMSTS_SAML_RECIPIENTS": "https://sso.corp.example/saml, http://127.0.0.1:8080/sso"}
    )
    assert settings.saml_recipients == (
        "https://sso.corp.example/saml",
        "http://127.0.0.1:8080/sso",
    )
    assert settings_from_env(settings.to_env()).saml_recipients == settings.saml_recipients
    with pytest.raises(InvalidParameter) as raised:
        settings_from_env({"RAMSTS_SAML_RECIPIENTS": "sso.corp.example/saml"})
    assert raised.value.code == "InvalidParameter.RAMSTS_SAML_RECIPIENTS"


def test_the_audit_trail_keeps_ninety_days_unless_told_otherwise() -> None:
    assert settings_from_env({}).audit_retention == timedelta(days=90)
    assert settings_from_env({"RAMSTS_AUDIT_RETENTION": "180d"}).audit_retention == timedelta(
        days=180
    )
    flagged = settings_from_env({}).overridden(audit_retention="12h")
    assert flagged.audit_retention == timedelta(hours=12)
    # The workers are handed the same retention.
    assert settings_from_env(flagged.to_env()).audit_retention == timedelta(hours=12)


@pytest.mark.parametrize("text", ["", "0d", "90", "3 months", "-1d", "1.5d", "1w"])
def test_a_retention_that_is_not_days_or_hours_is_refused(text: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        settings_from_env({"RAMSTS_AUDIT_RETENTION": text})
    assert raised.value.code == "InvalidParameter.RAMSTS_AUDIT_RETENTION"
