"""The console's layout in the browser: at 768 px the sections are a row of tabs just as tall as
they are, and each page's content starts right below them (no empty band between); at 1280 px
the sections are a column beside the content. And a first visit is only asked to sign in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from console_site import ConsoleSite
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGES = (
    "/",
    "/users",
    "/users/new",
    "/users/alice",
    "/groups",
    "/groups/operators",
    "/roles",
    "/roles/new",
    "/roles/iotstsrole",
    "/policies",
    "/policies/new",
    "/policies/new?template=blank",
    "/policies/Custom/IoTReadOnly",
    "/simulator",
    "/security",
)
BOXES = """() => {
  const box = (selector) => {
    const r = document.querySelector(selector).getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
  };
  const first = document.querySelector("main > :not(.notice)");
  return {sidebar: box(".sidebar"), tabs: box(".sidebar ul"), main: box("main"),
          first: first.getBoundingClientRect().top};
}"""


def arrange(site: ConsoleSite) -> None:
    site.ram("CreateUser", UserName="alice")
    site.ram("CreateGroup", GroupName="operators")
    site.create_role("iotstsrole")
    read = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "iot:Get*", "Resource": "*"}],
    }
    site.ram("CreatePolicy", PolicyName="IoTReadOnly", PolicyDocument=json.dumps(read))


def test_at_768_px_every_page_starts_right_below_the_tabs(
    root_page: Any, console: ConsoleSite
) -> None:
    arrange(console)
    page = root_page
    page.set_viewport_size({"width": 768, "height": 1024})
    for path in PAGES:
        page.goto(f"{console.url}{path}")
        boxes = page.evaluate(BOXES)
        sidebar, tabs, main = boxes["sidebar"], boxes["tabs"], boxes["main"]
        # The tab row is as tall as its tabs (plus its padding), not stretched by spare height.
        assert sidebar["height"] <= tabs["height"] + 20, (path, boxes)
        assert abs(main["top"] - sidebar["bottom"]) <= 1, (path, boxes)
        assert boxes["first"] - main["top"] <= 24, (path, boxes)


def test_at_1280_px_the_sections_are_a_column_beside_the_content(
    root_page: Any, console: ConsoleSite
) -> None:
    page = root_page
    for path in ("/", "/users", "/policies/new?template=blank"):
        page.goto(f"{console.url}{path}")
        boxes = page.evaluate(BOXES)
        assert boxes["sidebar"]["right"] <= boxes["main"]["left"], (path, boxes)
        assert boxes["sidebar"]["top"] == boxes["main"]["top"], (path, boxes)
        assert boxes["sidebar"]["height"] >= boxes["main"]["height"], (path, boxes)


def test_a_first_visit_is_asked_to_sign_in_and_not_told_its_session_expired(
    page: Any, console: ConsoleSite
) -> None:
    page.goto(f"{console.url}/")
    expect(page.get_by_role("heading", name="Sign in to the RAM console")).to_be_visible()
    expect(page).to_have_url(f"{console.url}/signin?next=/console/")
    expect(page.locator(".notice")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("expired")
