"""Users and API keys in headless Chromium: an owner invites a viewer from the settings page and
makes a key shown once; axe with no serious or critical violation, screenshots in
artifacts/screenshots/console/."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.console.test_browser import fits, open_page, serious_violations, shoot, sign_in
from tests.factories import Account, register


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books & Co")


def _check(page: Page, name: str) -> None:
    assert fits(page), "the page is wider than the screen"
    assert serious_violations(page) == []
    shoot(page, name)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_owner_invites_a_viewer_and_makes_a_key(
    browser: Browser, live_url: str, owner: Account, size: str
) -> None:
    page = open_page(browser, size)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/settings")
    page.get_by_role("link", name="Users and roles").click()
    page.get_by_label("Email", exact=True).fill("meena@example.com")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    assert page.get_by_role("status").inner_text() == "The invitation is on its way."
    assert "meena@example.com" in page.content()
    _check(page, f"settings-users-en-{size}")
    page.goto(f"{live_url}/console/settings/api-keys")
    page.get_by_label("Name", exact=True).fill("Shop server")
    page.get_by_role("button", name="Make key").click()
    assert page.locator("#secret-value").inner_text().startswith("tk_")
    _check(page, f"settings-keys-en-{size}")
