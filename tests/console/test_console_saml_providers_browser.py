"""The SAML providers page as a person uses it in the browser: registering an IdP by pasting its
metadata (pysaml2's), the refusals of metadata that is no IdP's and of a taken name, and
deleting it. Each step is checked in what the page shows and in what Ims then holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from console_site import ConsoleSite, nav
from playwright.sync_api import expect

from saml_idp import SamlIdp

pytestmark = pytest.mark.browser


def providers(console: ConsoleSite) -> list[str]:
    body = console.ims("ListSAMLProviders")
    return [p["SAMLProviderName"] for p in body["SAMLProviders"]["SAMLProvider"]]


def test_an_idp_is_registered_by_its_metadata_and_deleted(
    root_page: Any, console: ConsoleSite, tmp_path: Path
) -> None:
    page = root_page
    metadata = SamlIdp.start(tmp_path).metadata()
    nav(page, "SAML providers")
    expect(page.get_by_text("No SAML providers yet.")).to_be_visible()

    page.get_by_label("Provider name").fill("corp-idp")
    page.get_by_label("Description").fill("The company's IdP")
    page.get_by_label("IdP metadata (XML)").fill("<md:EntityDescriptor/>")
    page.get_by_role("button", name="Create SAML Provider").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "InvalidParameter.EncodedSAMLMetadataDocument"
    )
    expect(page.get_by_label("Provider name")).to_have_value("corp-idp")
    assert providers(console) == []

    page.get_by_label("IdP metadata (XML)").fill(metadata)
    page.get_by_role("button", name="Create SAML Provider").click()
    expect(page.locator("main > .notice")).to_have_text("SAML provider corp-idp was created.")
    row = page.get_by_role("row", name="corp-idp")
    expect(row).to_contain_text("The company's IdP")
    expect(row).to_contain_text(f"acs:ram::{console.account_id}:saml-provider/corp-idp")
    assert providers(console) == ["corp-idp"]

    page.get_by_label("Provider name").fill("CORP-IDP")
    page.get_by_label("IdP metadata (XML)").fill(metadata)
    page.get_by_role("button", name="Create SAML Provider").click()
    expect(page.get_by_role("alert")).to_contain_text("EntityAlreadyExists.SAMLProvider")

    page.get_by_role("button", name="Delete corp-idp").click()
    expect(page.locator("main > .notice")).to_have_text("SAML provider corp-idp was deleted.")
    expect(page.get_by_text("No SAML providers yet.")).to_be_visible()
    assert providers(console) == []
