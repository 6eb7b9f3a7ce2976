"""The OIDC providers page and the Create Role wizard's *IdP Role* as a person uses them in the
browser: registering an issuer (and the refusal of one that is not https), a role trusting an
OIDC provider for one client id and subject, a role trusting a SAML provider, deleting the
provider. Each step is checked in what the page shows and in what Ims and RAM then hold."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from console_site import ConsoleSite, nav
from playwright.sync_api import expect

from saml_idp import SamlIdp

pytestmark = pytest.mark.browser

ISSUER = "https://oidc.example.internal/cluster-1"
FINGERPRINT = "902ef2deeb3c5b13ea4c3d5193629309e231ae55"
SERVICE_ACCOUNT = "system:serviceaccount:payments:worker"


def oidc_providers(console: ConsoleSite) -> list[str]:
    body = console.ims("ListOIDCProviders")
    return [p["OIDCProviderName"] for p in body["OIDCProviders"]["OIDCProvider"]]


def trust_statement(console: ConsoleSite, role: str) -> dict[str, Any]:
    document = console.ram("GetRole", RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    statement: dict[str, Any] = json.loads(document)["Statement"][0]
    return statement


def idp_role_wizard(page: Any, provider: str, role: str, **fields: str) -> None:
    nav(page, "Roles")
    page.get_by_role("link", name="Create Role").click()
    page.get_by_label("IdP Role").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Select identity provider").select_option(label=provider)
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Role name").fill(role)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=f"Role {role} created")).to_be_visible()


def test_an_oidc_provider_is_registered_trusted_by_a_role_and_deleted(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    nav(page, "OIDC providers")
    expect(page.get_by_text("No OIDC providers yet.")).to_be_visible()

    page.get_by_label("Provider name").fill("cluster-1")
    page.get_by_label("Issuer URL").fill("http://oidc.example.internal/cluster-1")
    page.get_by_label("Client IDs").fill("sts.aliyuncs.com")
    page.get_by_label("Fingerprints").fill(FINGERPRINT)
    page.get_by_role("button", name="Create OIDC Provider").click()
    expect(page.get_by_role("alert")).to_contain_text("InvalidParameter.IssuerUrl")
    expect(page.get_by_label("Provider name")).to_have_value("cluster-1")
    assert oidc_providers(console) == []

    page.get_by_label("Issuer URL").fill(ISSUER)
    page.get_by_label("Client IDs").fill("sts.aliyuncs.com\nworker-app")
    page.get_by_role("button", name="Create OIDC Provider").click()
    expect(page.locator("main > .notice")).to_have_text("OIDC provider cluster-1 was created.")
    row = page.get_by_role("row", name="cluster-1")
    expect(row).to_contain_text(ISSUER)
    expect(row).to_contain_text(f"acs:ram::{console.account_id}:oidc-provider/cluster-1")
    provider = console.ims("GetOIDCProvider", OIDCProviderName="cluster-1")["OIDCProvider"]
    assert provider["ClientIds"] == "sts.aliyuncs.com,worker-app"
    assert provider["Fingerprints"] == FINGERPRINT

    # An OIDC provider's role names the issuer and the client id its tokens must carry.
    nav(page, "Roles")
    page.get_by_role("link", name="Create Role").click()
    page.get_by_label("IdP Role").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Select identity provider").select_option(label="cluster-1 (OIDC)")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("MissingParameter.ClientId")
    page.get_by_label("Client ID (oidc:aud)").fill("sts.aliyuncs.com")
    page.get_by_label("Subject (oidc:sub, optional)").fill(SERVICE_ACCOUNT)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Trusted entity: identity provider")).to_be_visible()
    page.get_by_label("Role name").fill("payments-worker")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Role payments-worker created")).to_be_visible()
    assert trust_statement(console, "payments-worker") == {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Federated": [f"acs:ram::{console.account_id}:oidc-provider/cluster-1"]},
        "Condition": {
            "StringEquals": {
                "oidc:iss": ISSUER,
                "oidc:aud": "sts.aliyuncs.com",
                "oidc:sub": SERVICE_ACCOUNT,
            }
        },
    }

    nav(page, "OIDC providers")
    page.get_by_role("button", name="Delete cluster-1").click()
    expect(page.locator("main > .notice")).to_have_text("OIDC provider cluster-1 was deleted.")
    assert oidc_providers(console) == []


def test_a_role_trusts_a_saml_provider_chosen_in_the_wizard(
    root_page: Any, console: ConsoleSite, tmp_path: Path
) -> None:
    metadata = SamlIdp.start(tmp_path).metadata()
    console.ims(
        "CreateSAMLProvider",
        SAMLProviderName="corp-idp",
        EncodedSAMLMetadataDocument=base64.b64encode(metadata.encode()).decode(),
    )
    idp_role_wizard(root_page, "corp-idp (SAML)", "sso-admins")
    assert trust_statement(console, "sso-admins") == {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Federated": [f"acs:ram::{console.account_id}:saml-provider/corp-idp"]},
    }
