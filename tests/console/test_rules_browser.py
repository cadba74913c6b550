"""The rules pages in headless Chromium: build, test, save, diff and roll back a rule with the
keyboard alone (a refused save keeps the work and marks the control), axe with no serious or
critical violation, Tamil and Hindi at a phone's size, and the builder without JavaScript
(screenshots in artifacts/screenshots/console/)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.console.test_browser import fits, open_page, serious_violations, shoot, sign_in
from tests.factories import Account, register

EXPIRED = {"field": "category", "op": "eq", "value": "expired_card"}


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books & Co")


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Tab until the focused element matches `selector` (as a keyboard user moves)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose(page: Page, value: str) -> None:
    """Arrow keys on the focused select until it holds `value`."""
    for key in ("Home", *["ArrowDown"] * 40):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement.value") == value:
            return
    raise AssertionError(f"no option {value}")


def check(page: Page, name: str) -> None:
    assert fits(page), "the page is wider than the screen"
    assert serious_violations(page) == []
    shoot(page, name)


def test_build_test_save_diff_and_roll_back_by_keyboard(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser, "desktop")
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/rules")
    tab_to(page, "a[href='/console/rules/new']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rules/new")
    tab_to(page, "#rule-name")
    page.keyboard.type("Expired cards: link")
    tab_to(page, "#r-0-value")
    choose(page, "expired_card")
    tab_to(page, "button[value='add:r']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#r-1-field")
    assert page.input_value("#rule-name") == "Expired cards: link"
    tab_to(page, "#r-1-field")
    choose(page, "amount")
    tab_to(page, "button[value='refresh']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#r-1-value[type=number]")
    tab_to(page, "#r-1-op")
    choose(page, "gt")
    tab_to(page, "#r-1-value")
    page.keyboard.type("12.5")
    tab_to(page, "#a-0-type")
    choose(page, "send_link")
    tab_to(page, "#a-0-node button[value='refresh']")
    page.keyboard.press("Enter")
    page.wait_for_selector("#a-0-channels")
    tab_to(page, "#a-0-channels input[value='email']")
    page.keyboard.press("Space")
    tab_to(page, "button[value='save']")
    page.keyboard.press("Enter")

    # Refused: the amount is in minor units. The work stays; the error sits by the control.
    page.wait_for_selector("#error-summary")
    assert page.get_attribute("#r-1-value", "aria-invalid") == "true"
    assert "conditions.all[1].value" in page.inner_text("#r-1-value-error")
    assert page.input_value("#rule-name") == "Expired cards: link"
    check(page, "rules-builder-errors-en-desktop")
    tab_to(page, "#r-1-value")
    page.keyboard.press("Control+A")
    page.keyboard.type("5000")
    tab_to(page, "button[value='save']")
    page.keyboard.press("Enter")
    page.wait_for_url("**done=saved")
    assert "version 1" in page.get_by_role("status").inner_text()
    check(page, "rules-builder-en-desktop")

    # The tester, on a payment typed by hand.
    tab_to(page, "a[href='/console/rules/test']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rules/test")
    tab_to(page, "#t-category")
    choose(page, "expired_card")
    tab_to(page, "#t-amount")
    page.keyboard.type("9000")
    tab_to(page, "form:has(#t-amount) button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result")
    assert "Matched: Expired cards: link (version 1)." in page.inner_text("#result-section")
    check(page, "rules-tester-en-desktop")

    # A second version, then the diff and the rollback.
    tab_to(page, ".crumbs a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rules")
    tab_to(page, "th[scope=row] a")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/rules/rul_*")
    tab_to(page, "#rule-name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Expired cards: link at once")
    tab_to(page, "button[value='save']")
    page.keyboard.press("Enter")
    page.wait_for_url("**done=saved")
    tab_to(page, "a[href$='/versions']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/versions")
    assert '"name": "Expired cards: link at once"' in page.inner_text("pre.diff ins")
    check(page, "rules-versions-en-desktop")
    tab_to(page, "form[action$='/rollback'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**restored=3")
    assert "version 3" in page.get_by_role("status").inner_text()
    page.context.close()


@pytest.mark.parametrize("language", ["ta", "hi"])
def test_rules_pages_in_language_on_a_phone(
    browser: Browser, live_url: str, owner: Account, client: TestClient, language: str
) -> None:
    body = {"name": "Expired", "conditions": {"not": EXPIRED}, "actions": [{"type": "stop"}]}
    rule = client.post("/v1/rules", json=body, headers=owner.headers).json()
    client.put(f"/v1/rules/{rule['id']}", json={**body, "priority": 5}, headers=owner.headers)
    page = open_page(browser, "phone", language)
    sign_in(page, live_url, owner.email, language)
    for path, name in (
        ("/console/rules", "list"),
        (f"/console/rules/{rule['id']}", "builder"),
        (f"/console/rules/{rule['id']}/versions", "versions"),
        ("/console/rules/test?source=form&category=expired_card", "tester"),
    ):
        page.goto(f"{live_url}{path}{'&' if '?' in path else '?'}lang={language}")
        assert page.get_attribute("html", "lang") == language
        check(page, f"rules-{name}-{language}-phone")
    page.context.close()


def test_builder_adds_a_group_without_javascript(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser, "phone", javascript=False)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/rules/new")
    page.fill("#rule-name", "No script")
    page.click("button[value='group:r']")
    page.wait_for_selector("#r-1-0-field")
    assert page.input_value("#rule-name") == "No script"
    page.press("#rule-name", "Enter")  # Enter only re-renders: nothing is saved
    page.wait_for_selector("#r-1-0-field")
    assert "/console/rules/builder" in page.url
    page.context.close()
