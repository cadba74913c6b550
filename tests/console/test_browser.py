"""The console in headless Chromium: sign-in, sign-up and the dashboard in English and Tamil
or Hindi, at a phone's and a desktop's size (screenshots in artifacts/screenshots/console/),
axe with no serious or critical violation, the keyboard alone, and JavaScript off."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize

from tests.factories import STRONG_PASSWORD, Account, register
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.simulate.history import fill_history

SHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots" / "console"
SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
LOCALES = {"en": "en-IN", "hi": "hi-IN", "ta": "ta-IN"}


def open_page(
    browser: Browser, size: str = "desktop", language: str = "en", *, javascript: bool = True
) -> Page:
    context = browser.new_context(
        viewport=SIZES[size],
        device_scale_factor=1,
        is_mobile=size == "phone",
        has_touch=size == "phone",
        locale=LOCALES[language],
        java_script_enabled=javascript,
    )
    return context.new_page()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def serious_violations(page: Page) -> list[tuple[str, str]]:
    results = Axe().run(page)
    return [
        (v["id"], v["help"])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def fits(page: Page) -> bool:
    """Nothing wider than the screen: no clipped or sideways-scrolling page."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def owner(client: TestClient, app: FastAPI, clock: FrozenClock, settings: Settings) -> Account:
    account = register(client, org_name="Kaveri Books & Co")
    client.patch(
        "/v1/auth/org",
        json={"timezone": "Asia/Kolkata", "holdout_percent": 5},
        headers=account.headers,
    )
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, account.org_id, failures=400)
    return account


def sign_in(page: Page, live_url: str, email: str, language: str = "en") -> None:
    page.goto(f"{live_url}/console/login?lang={language}")
    page.get_by_label({"en": "Email", "hi": "ईमेल", "ta": "மின்னஞ்சல்"}[language]).fill(email)
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_url}/console/**")


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["en", "hi"])
def test_login_page(browser: Browser, live_url: str, size: str, language: str) -> None:
    page = open_page(browser, size, language)
    page.goto(f"{live_url}/console/login?lang={language}")
    assert page.get_attribute("html", "lang") == language
    if language == "en":
        assert page.get_by_label("Email").is_visible()
        assert page.get_by_label("Password").is_visible()
        assert page.get_by_role("button", name="Sign in").is_visible()
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, f"login-{language}-{size}")
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["en", "ta"])
def test_signup_page(browser: Browser, live_url: str, size: str, language: str) -> None:
    page = open_page(browser, size, language)
    page.goto(f"{live_url}/console/signup?lang={language}")
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, f"signup-{language}-{size}")
    page.context.close()


def test_sign_up_by_keyboard_reaches_onboarding(browser: Browser, live_url: str) -> None:
    page = open_page(browser, "phone")
    page.goto(f"{live_url}/console/signup")
    for field, value in (
        ("org_name", "Meena Textiles"),
        ("name", "Meena"),
        ("email", "meena@example.in"),
        ("password", STRONG_PASSWORD),
    ):
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == field:
                break
        assert page.evaluate("document.activeElement.id") == field
        page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/console/onboarding/org")
    assert page.locator("h1").inner_text() == "Your business"
    page.context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("language", ["en", "ta"])
def test_dashboard(
    browser: Browser, live_url: str, owner: Account, size: str, language: str
) -> None:
    page = open_page(browser, size, language)
    sign_in(page, live_url, owner.email, language)
    page.goto(f"{live_url}/console/?period=90d")
    page.wait_for_selector("canvas")
    assert page.locator("[data-kpi=failed_amount]").count() >= 1
    assert page.locator("figure[data-chart] canvas").count() == 6
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, f"dashboard-{language}-{size}")
    page.context.close()


def test_dashboard_reads_without_javascript(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser, "phone", javascript=False)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/?period=30d")
    assert page.locator("canvas").count() == 0
    assert page.locator("figure[data-chart] table").first.is_visible()
    # No axe here: it runs as page script, which this page has switched off.
    shoot(page, "dashboard-en-phone-nojs")
    page.context.close()


def test_the_numbers_open_by_keyboard(browser: Browser, live_url: str, owner: Account) -> None:
    page = open_page(browser)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/")
    toggle = page.locator("#chart-by_category button.toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#chart-by_category table").is_visible()
    page.context.close()


def test_expired_session_signs_in_and_returns(
    browser: Browser, live_url: str, owner: Account
) -> None:
    page = open_page(browser)
    page.goto(f"{live_url}/console/?period=7d")
    assert "/console/login?next=" in page.url
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/console/?period=7d")
    page.context.close()
