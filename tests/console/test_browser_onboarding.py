"""Onboarding in headless Chromium: a new owner signs up and reaches a simulated result on the
sandbox and with the Stripe stand-in of the adapter tests; leaving half-way resumes. axe: no
serious or critical violation; screenshots in artifacts/screenshots/console/onboarding-*.
The sign-up → first simulated result time and decisions go to artifacts/onboarding-timing.json
(quoted in docs/console.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.console.test_browser import open_page, serious_violations, shoot
from tests.factories import STRONG_PASSWORD
from tests.intake import psp
from tests.psp import stripe_objects as so
from tests.psp.stand_in import Reply, StandIn, serve_stand_in
from tinko.config import Settings

TIMING = Path(__file__).parents[2] / "artifacts" / "onboarding-timing.json"
STRIPE_KEY = "sk_test_51TinkoStandInKey0000"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with serve_stand_in() as server:
        server.on("GET", "/v1/balance", Reply(200, so.balance()))
        yield server


@pytest.fixture
def settings(settings: Settings, stand_in: StandIn) -> Settings:
    return settings.model_copy(update={"stripe_api_base": stand_in.url})


def _checked(page: Page, name: str) -> None:
    assert serious_violations(page) == [], name
    shoot(page, f"onboarding-{name}")


def _sign_up(page: Page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/console/signup")
    page.locator("#org_name").fill("Meena Textiles")
    page.locator("#email").fill(email)
    page.locator("#password").fill(STRONG_PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_url}/console/onboarding/org")


def _details(page: Page, live_url: str) -> None:
    page.locator("#timezone").fill("Asia/Kolkata")
    page.locator("#currency").select_option("INR")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(f"{live_url}/console/onboarding/psp")


def test_onboarding_on_the_sandbox_to_a_simulated_result(browser: Browser, live_url: str) -> None:
    page = open_page(browser, "desktop")
    began = time.perf_counter()
    _sign_up(page, live_url, "meena@example.in")
    _checked(page, "org")
    decisions = 0
    _details(page, live_url)
    decisions += 1
    _checked(page, "psp")
    page.get_by_role("button", name="Use the sandbox").click()
    decisions += 1
    page.wait_for_url(f"{live_url}/console/onboarding/policy")
    _checked(page, "policy")
    page.get_by_role("button", name="See what it would recover").click()
    decisions += 1
    page.wait_for_url(f"{live_url}/console/onboarding/preview")
    assert page.locator('[data-kpi="preview_recovered"]').is_visible()
    seconds = time.perf_counter() - began
    TIMING.parent.mkdir(parents=True, exist_ok=True)
    TIMING.write_text(json.dumps({"seconds": round(seconds, 2), "decisions": decisions}) + "\n")
    assert decisions <= 3
    _checked(page, "preview")
    page.get_by_role("button", name="Go live").click()
    page.wait_for_url(f"{live_url}/console/onboarding/live")
    assert page.locator("h1").inner_text() == "You are live"
    _checked(page, "live")
    page.context.close()


def test_onboarding_with_stripe_shows_the_secret_once_and_the_first_webhook(
    browser: Browser, live_url: str, client: TestClient, stand_in: StandIn
) -> None:
    page = open_page(browser, "phone")
    _sign_up(page, live_url, "ravi@example.in")
    _details(page, live_url)
    page.locator("#stripe-secret_key").fill(STRIPE_KEY)
    page.get_by_role("button", name="Check and connect Stripe").click()
    secret = page.locator("[data-secret]").inner_text()
    assert secret.startswith("whsec_")
    assert page.get_by_text("payment_intent.payment_failed").is_visible()
    _checked(page, "stripe-connected")
    url = page.locator("dd code").first.inner_text()
    event = psp.stripe_payment_intent_failed("pi_browser_1")
    body = psp.stripe_event("payment_intent.payment_failed", event, created=1_793_000_000)
    path = url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    sent = client.post(f"/{path}", content=body, headers=psp.stripe_headers(body, secret))
    assert sent.status_code == 200, sent.text
    page.get_by_role("link", name="Check again").click()  # the reload link, no script needed
    assert page.get_by_text("Received: the first signed webhook").is_visible()
    assert secret not in page.content()
    _checked(page, "stripe-received")
    page.context.close()


def test_leaving_half_way_and_signing_in_again_resumes(browser: Browser, live_url: str) -> None:
    page = open_page(browser, "desktop")
    _sign_up(page, live_url, "asha@example.in")
    _details(page, live_url)
    page.context.close()
    again = open_page(browser, "desktop")
    again.goto(f"{live_url}/console/login")
    again.locator("#email").fill("asha@example.in")
    again.locator("#password").fill(STRONG_PASSWORD)
    again.locator("button[type=submit]").click()
    again.wait_for_url(f"{live_url}/console/onboarding/psp")
    again.context.close()


@pytest.mark.parametrize("language", ["hi", "ta"])
def test_wizard_and_provider_settings_in_hindi_and_tamil(
    browser: Browser, live_url: str, language: str
) -> None:
    page = open_page(browser, "phone", language)
    _sign_up(page, live_url, f"kavya.{language}@example.in")
    page.goto(f"{live_url}/console/onboarding/org?lang={language}")
    assert page.get_attribute("html", "lang") == language
    _checked(page, f"org-{language}")
    page.goto(f"{live_url}/console/settings/psp?lang={language}")
    assert page.locator('[data-psp="stripe"]').is_visible()
    _checked(page, f"psp-settings-{language}")
    page.context.close()
