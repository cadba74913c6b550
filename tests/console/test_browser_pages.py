"""Recoveries, a case, Messages, Developers and Help in headless Chromium: each page's main path
in English and in Hindi or Tamil, at a phone's and a desktop's size (screenshots in
artifacts/screenshots/console/), axe with no serious or critical violation, the keyboard alone
for an admin's confirmed action, and reading with JavaScript off."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.console.test_browser import SIZES, fits, open_page, serious_violations, shoot, sign_in
from tests.factories import Account, create_api_key, register
from tests.intake import psp
from tests.recovery.conftest import sandbox_failure
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.simulate.history import fill_history

HEADINGS = {
    "recoveries": {"en": "Recoveries", "hi": "रिकवरी", "ta": "மீட்புகள்"},
    "messages": {"en": "Messages", "hi": "संदेश", "ta": "செய்திகள்"},
    "developers": {"en": "Developers", "hi": "डेवलपर", "ta": "டெவலப்பர்கள்"},
    "help": {"en": "Help", "hi": "सहायता", "ta": "உதவி"},
}


@pytest.fixture
def owner(client: TestClient, app: FastAPI, clock: FrozenClock, settings: Settings) -> Account:
    account = register(client, org_name="Kaveri Books & Co")
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=account.headers)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, account.org_id, failures=150)
    key = {"X-API-Key": create_api_key(client, account)["key"]}
    body = sandbox_failure("ord_live_1", "pm_sandbox_insufficient_funds", amount=12345600)
    client.post("/v1/events/payment_failed", json=body, headers=key)
    client.post("/v1/recoveries/by_ref/ord_live_1/link", json={"channel": "email"}, headers=key)
    endpoint = client.post(
        "/v1/webhook-endpoints", json={"psp": "stripe"}, headers=account.headers
    ).json()
    event = psp.stripe_payment_intent_failed("pi_live_1")
    payload = psp.stripe_event("payment_intent.payment_failed", event, created=1_793_000_000)
    for secret in (endpoint["secret"], endpoint["secret"], "whsec_wrong"):
        client.post(
            f"/v1/webhooks/stripe/{endpoint['id']}",
            content=payload,
            headers=psp.stripe_headers(payload, secret),
        )
    app.state.call_recorder.flush()
    return account


def _check(page: Page, name: str) -> None:
    assert fits(page), "the page is wider than the screen"
    assert serious_violations(page) == []
    shoot(page, name)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(
    ("page_name", "language"),
    [
        (p, lang)
        for p in HEADINGS
        for lang in ("en", "hi" if p in ("recoveries", "developers") else "ta")
    ],
)
def test_page_in_language(
    browser: Browser,
    live_url: str,
    owner: Account,
    page_name: str,
    language: str,
    size: str,
) -> None:
    page = open_page(browser, size, language)
    sign_in(page, live_url, owner.email, language)
    page.goto(f"{live_url}/console/{page_name}?lang={language}")
    assert page.get_attribute("html", "lang") == language
    assert page.locator("h1").inner_text() == HEADINGS[page_name][language]
    _check(page, f"{page_name}-{language}-{size}")
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["en", "ta"])
def test_case_page_from_the_list(
    browser: Browser, live_url: str, owner: Account, language: str, size: str
) -> None:
    page = open_page(browser, size, language)
    sign_in(page, live_url, owner.email, language)
    page.goto(f"{live_url}/console/recoveries?q=ord_live_1&lang={language}")
    page.locator("table.list tbody a").first.click()
    page.wait_for_url(f"{live_url}/console/recoveries/rec_*")
    assert "ord_live_1" in page.locator("h1").inner_text()
    assert page.locator(".steps li, .timeline li").count() >= 1
    _check(page, f"case-{language}-{size}")
    page.context.close()


def test_filter_error_is_announced_beside_its_field(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser, "phone")
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/recoveries?amount_min=lots&from=31-12-2026")
    field = page.get_by_label("Amount from")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator("#amount_min-error").is_visible()
    _check(page, "recoveries-filter-error-en-phone")
    page.context.close()


def test_admin_cancels_a_recovery_with_the_keyboard_alone(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser, "desktop")
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/recoveries?q=ord_live_1")
    page.locator("table.list tbody a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/console/recoveries/rec_*")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Cancel recovery"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/confirm/cancel")
    assert serious_violations(page) == []
    shoot(page, "confirm-cancel-en-desktop")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Yes, cancel"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**?done=cancel")
    assert page.get_by_role("status").first.inner_text().startswith("The recovery is cancelled")
    page.context.close()


def test_recoveries_read_without_javascript(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser, "phone", javascript=False)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/recoveries?status=recovered")
    assert page.locator("table.list tbody tr").count() >= 1
    page.get_by_role("link", name="Next page").click()
    assert page.locator("table.list tbody tr").count() >= 1
    page.context.close()
