"""Payer-page fixtures: a merchant with a failed payment and a recovery link, made through the
public API as a merchant's server would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize

from tests.conftest import START
from tests.factories import create_api_key, register

MERCHANT = "Kaveri Books & Co"


@dataclass(frozen=True)
class PayerLink:
    token: str
    ref: str
    headers: dict[str, str]  # the merchant's API key

    @property
    def path(self) -> str:
        return f"/pay/{self.token}"


def failure(ref: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_ref": ref,
        "amount": 12345600,
        "currency": "INR",
        "gateway": "sandbox",
        "decline_code": "insufficient_funds",
        "payment_method_type": "card",
        "payment_method_ref": "pm_sandbox_insufficient_funds",
        "card_network": "visa",
        "customer": {"email": "asha.rao@example.in", "phone": "+919876543210", "name": "Asha Rao"},
        "occurred_at": (START - timedelta(minutes=1)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def merchant_headers(client: TestClient) -> dict[str, str]:
    owner = register(client, org_name=MERCHANT)
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=owner.headers)
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def make_link(
    client: TestClient, headers: dict[str, str], ref: str = "P1", **overrides: Any
) -> PayerLink:
    event = client.post(
        "/v1/events/payment_failed", json=failure(ref, **overrides), headers=headers
    )
    assert event.status_code == 202, event.text
    link = client.post(f"/v1/recoveries/by_ref/{ref}/link", json={}, headers=headers)
    assert link.status_code == 201, link.text
    return PayerLink(link.json()["token"], ref, headers)


@pytest.fixture
def payer_link(client: TestClient, merchant_headers: dict[str, str]) -> PayerLink:
    return make_link(client, merchant_headers)


def form_nonce(html: str) -> str:
    found = re.search(r'name="nonce" value="([^"]+)"', html)
    assert found, "the page has no pay form"
    return found.group(1)


def pay_sandbox(client: TestClient, link: PayerLink) -> None:
    """The payer opens the sandbox PSP's hosted checkout and pays on it."""
    opened = client.post(f"/v1/recoveries/by_token/{link.token}/checkout", json={})
    assert opened.status_code == 200, opened.text
    paid = client.post(f"/sandbox/checkout/{link.token}/pay", follow_redirects=False)
    assert paid.status_code == 303, paid.text
    client.app.state.runner.drain()  # type: ignore[attr-defined]


def recovery(client: TestClient, link: PayerLink) -> dict[str, Any]:
    body: dict[str, Any] = client.get(
        f"/v1/recoveries/by_ref/{link.ref}", headers=link.headers
    ).json()
    return body


# --- Live server and browser, for the Playwright tests -----------------------------------------

# The live server and the browser are the root conftest's (tests/browser.py).
SCREENSHOTS = Path(__file__).parents[2] / "artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 390, "height": 844}


def phone_page(browser: Browser, language: str = "en", *, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale={"en": "en-IN", "hi": "hi-IN", "ta": "ta-IN"}[language],
        java_script_enabled=javascript,
    )
    return context.new_page()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
