"""The account pages, the sandbox checkout and the unsubscribe page in headless Chromium at a
phone's size, by keyboard, in English and Hindi or Tamil (screenshots in artifacts/screenshots/)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.factories import register
from tests.notify.conftest import open_case, queue_for, queued_id
from tests.pages.conftest import PHONE, PayerLink, phone_page, recovery, screenshot
from tests.pages.test_account_pages import NEW_PASSWORD, _mailed_link
from tests.pages.test_browser import _TEXT_COLOURS, contrast
from tinko.kit.clock import FrozenClock
from tinko.notify.models import OutboundMessage

HEADINGS = {
    "reset": {"en": "Choose a new password", "hi": "नया पासवर्ड चुनें"},
    "done": {"en": "Your password is set", "hi": "आपका पासवर्ड सेट हो गया है"},
    "invite": {"en": "Join Kaveri Books", "ta": "Kaveri Books-இல் சேருங்கள்"},
    "invite_done": {"en": "Your password is set", "ta": "உங்கள் கடவுச்சொல் அமைக்கப்பட்டது"},
    "reset_invalid": {
        "en": "This reset link cannot be used",
        "hi": "इस रीसेट लिंक का उपयोग नहीं किया जा सकता",
    },
    "paid": {"en": "Thank you, your payment is complete", "hi": "धन्यवाद, आपका भुगतान पूरा हो गया है"},
    "declined": {"en": "Your card was declined", "hi": "आपका कार्ड अस्वीकार कर दिया गया"},
    "cancelled": {"en": "Payment cancelled", "hi": "भुगतान रद्द कर दिया गया"},
}
UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => el.labels.length === 0 && !el.getAttribute('aria-label')).map(el => el.outerHTML)"""


def _checked(page: Page, name: str) -> None:
    """Every field labelled, one h1, nothing wider than the phone, text readable; a screenshot."""
    assert page.evaluate(UNLABELLED) == []
    assert page.locator("h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    weak = [(t, fg, bg) for t, fg, bg in page.evaluate(_TEXT_COLOURS) if contrast(fg, bg) < 4.5]
    assert weak == []
    screenshot(page, name)


def _submits(page: Page, action: Callable[[], None]) -> None:
    with page.expect_navigation():
        action()


def _tab_to(page: Page, selector: str) -> None:
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


@pytest.mark.parametrize("language", ["en", "hi"])
def test_reset_by_keyboard_alone(
    browser: Browser, live_url: str, client: TestClient, language: str
) -> None:
    account = register(client)
    client.post("/v1/auth/password/forgot", json={"email": account.email})
    page = phone_page(browser, language, javascript=False)
    page.goto(live_url + _mailed_link(client, account.email))
    assert page.locator("h1").inner_text() == HEADINGS["reset"][language]
    _checked(page, f"reset-form-{language}")
    _tab_to(page, "#password")
    page.keyboard.type("short")
    _submits(page, lambda: page.keyboard.press("Enter"))
    assert page.get_attribute("#password", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "password"  # straight back to fix it
    _checked(page, f"reset-error-{language}")
    page.keyboard.type(NEW_PASSWORD)
    _submits(page, lambda: page.keyboard.press("Enter"))
    assert page.locator("h1").inner_text() == HEADINGS["done"][language]
    _checked(page, f"reset-done-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["en", "hi"])
def test_spent_reset_link_offers_a_new_one(
    browser: Browser, live_url: str, client: TestClient, language: str
) -> None:
    page = phone_page(browser, language, javascript=False)
    page.goto(f"{live_url}/console/reset-password?token=spent")
    assert page.locator("h1").inner_text() == HEADINGS["reset_invalid"][language]
    _checked(page, f"reset-invalid-{language}")
    page.get_by_role("textbox").fill("nobody@example.com")
    _submits(page, lambda: page.get_by_role("button").click())
    assert page.locator("main").get_by_text("nobody@example.com").count() == 1
    _checked(page, f"reset-sent-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["en", "ta"])
def test_invited_user_joins_by_keyboard(
    browser: Browser, live_url: str, client: TestClient, language: str
) -> None:
    owner = register(client, org_name="Kaveri Books")
    body = {"email": "ravi@example.com", "role": "viewer", "name": "Ravi"}
    assert client.post("/v1/users", json=body, headers=owner.headers).status_code == 201
    page = phone_page(browser, language, javascript=False)
    page.goto(live_url + _mailed_link(client, "ravi@example.com"))
    assert page.locator("h1").inner_text() == HEADINGS["invite"][language]
    _checked(page, f"invite-form-{language}")
    _tab_to(page, "#name")
    page.keyboard.press("End")
    page.keyboard.type(" Kumar")
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    _submits(page, lambda: page.keyboard.press("Enter"))
    assert page.locator("h1").inner_text() == HEADINGS["invite_done"][language]
    _checked(page, f"invite-done-{language}")
    login = {"email": "ravi@example.com", "password": NEW_PASSWORD}
    assert client.post("/v1/auth/login", json=login).json()["user"]["name"] == "Ravi Kumar"
    page.context.close()


def _to_the_sandbox(browser: Browser, live_url: str, link: PayerLink, language: str) -> Page:
    page = phone_page(browser, language, javascript=False)
    page.goto(live_url + link.path)
    page.locator("form button").click()
    page.wait_for_url(f"{live_url}/sandbox/checkout/**")
    return page


@pytest.mark.parametrize("language", ["en", "hi"])
@pytest.mark.parametrize("path", ["paid", "declined", "cancelled"])
def test_sandbox_checkout_ways_out(
    browser: Browser,
    live_url: str,
    client: TestClient,
    payer_link: PayerLink,
    path: str,
    language: str,
) -> None:
    page = _to_the_sandbox(browser, live_url, payer_link, language)
    assert page.get_attribute("html", "lang") == language
    if path == "paid":
        _checked(page, f"sandbox-checkout-{language}")
        page.locator("button").first.click()
    elif path == "declined":
        page.locator("button.secondary").click()
    else:
        page.locator("a.button.secondary").click()
    page.wait_for_url(f"{live_url}{payer_link.path}/**")
    assert page.locator("h1").inner_text() == HEADINGS[path][language]
    _checked(page, f"sandbox-{path}-{language}")
    status = recovery(client, payer_link)["status"]
    assert (status == "recovered") == (path == "paid")
    page.context.close()


def test_unsubscribe_in_tamil(
    browser: Browser,
    live_url: str,
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    merchant_headers: dict[str, str],
) -> None:
    message_id = queued_id(queue_for(app, clock, open_case(client, merchant_headers)))
    with app.state.session_factory() as session:
        url = session.get_one(OutboundMessage, message_id).unsubscribe_url
    assert url is not None
    page = phone_page(browser, "ta", javascript=False)
    page.goto(live_url + url.removeprefix("http://127.0.0.1:8000"))
    assert page.get_attribute("html", "lang") == "ta"
    _checked(page, "unsubscribe-ask-ta")
    _submits(page, lambda: page.get_by_role("button").click())
    assert page.locator("h1").inner_text() == "நீங்கள் குழுவிலகிவிட்டீர்கள்"
    _checked(page, "unsubscribe-done-ta")
    page.context.close()
