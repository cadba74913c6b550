"""Webhook endpoints, the audit log and settings in headless Chromium: the secret shown once, a
failed delivery replayed to a local receiver, a policy change's diff and a verified chain, a
viewer who cannot change anything; axe with no serious or critical violation, screenshots in
artifacts/screenshots/console/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from tests.console.test_browser import fits, open_page, serious_violations, shoot, sign_in
from tests.factories import Account, invite_and_join, register
from tests.merchant_webhooks.conftest import drain, fail_a_payment
from tests.merchant_webhooks.receiver import Receiver, running
from tests.tenancy.world import RETRY_POLICY_BODY
from tinko.kit.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    # fail_a_payment reports a failure three minutes before the wall clock.
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books & Co")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running() as found:
        yield found


def _check(page: Page, name: str) -> None:
    assert fits(page), "the page is wider than the screen"
    assert serious_violations(page) == []
    shoot(page, name)


def _reload_until(page: Page, text: str) -> None:
    """The live server's job runner sends the replay after its commit; reload until it shows."""
    for _ in range(100):
        if text in page.content():
            return
        page.reload()
    raise AssertionError(f"{text!r} never appeared")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_endpoint_secret_once_then_failed_delivery_replayed(
    browser: Browser,
    live_url: str,
    client: TestClient,
    app: FastAPI,
    owner: Account,
    receiver: Receiver,
    size: str,
) -> None:
    page = open_page(browser, size)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/webhooks")
    page.get_by_label("Address (URL)").fill(receiver.url)
    page.get_by_label("recovery.opened").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#secret-value").inner_text()
    assert secret.startswith("whsec_")
    _check(page, f"webhooks-secret-en-{size}")
    page.goto(f"{live_url}/console/webhooks")
    assert secret not in page.content()
    receiver.answer(500)
    fail_a_payment(client, owner)
    drain(app)
    page.get_by_role("link", name="Deliveries").click()
    assert "HTTP 500" in page.content()
    _check(page, f"webhooks-deliveries-en-{size}")
    page.get_by_role("button", name="Send again").click()
    page.wait_for_url("**/console/webhooks/mwh_*?done=replayed")
    _reload_until(page, "HTTP 200")
    assert len(receiver.received) == 2
    page.context.close()


def test_audit_page_shows_a_policy_change_and_verifies(
    browser: Browser, live_url: str, client: TestClient, owner: Account
) -> None:
    made = client.post("/v1/retry-policies", json=RETRY_POLICY_BODY, headers=owner.headers)
    client.patch(
        f"/v1/retry-policies/{made.json()['id']}", json={"max_attempts": 2}, headers=owner.headers
    )
    page = open_page(browser, "desktop")
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/audit")
    page.get_by_label("Action").fill("retry_policy.updated")
    page.get_by_role("button", name="Show events").click()
    row = page.locator("table.diff tr", has_text="max_attempts")
    assert row.locator("td").last.inner_text() == "2"
    page.get_by_role("button", name="Verify now").click()
    assert page.locator("[data-verify=ok]").is_visible()
    _check(page, "audit-verified-en-desktop")
    page.context.close()


def test_audit_page_in_tamil_on_a_phone(browser: Browser, live_url: str, owner: Account) -> None:
    page = open_page(browser, "phone", "ta")
    sign_in(page, live_url, owner.email, "ta")
    page.goto(f"{live_url}/console/audit?lang=ta&verify=1")
    assert page.locator("h1").inner_text() == "தணிக்கைப் பதிவு"
    _check(page, "audit-ta-phone")
    page.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_viewer_reads_settings_but_cannot_change_them(
    browser: Browser, live_url: str, client: TestClient, owner: Account, size: str
) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    page = open_page(browser, size)
    sign_in(page, live_url, viewer.email)
    page.goto(f"{live_url}/console/settings")
    assert page.get_by_label("Holdout percentage").get_attribute("readonly") is not None
    assert page.get_by_role("button", name="Save settings").count() == 0
    nav = page.get_by_role("navigation", name="Console")
    assert nav.get_by_role("link", name="Webhooks").count() == 0
    assert nav.get_by_role("link", name="Audit log").count() == 0
    _check(page, f"settings-viewer-en-{size}")
    for refused in ("webhooks", "audit"):
        answer = page.goto(f"{live_url}/console/{refused}")
        assert answer is not None
        assert answer.status == 403
    page.context.close()


def test_admin_saves_holdout_in_hindi(browser: Browser, live_url: str, owner: Account) -> None:
    page = open_page(browser, "desktop", "hi")
    sign_in(page, live_url, owner.email, "hi")
    page.goto(f"{live_url}/console/settings?lang=hi")
    page.get_by_label("होल्डआउट प्रतिशत").fill("60")
    page.get_by_role("button", name="सेटिंग सहेजें").click()
    assert page.locator("#holdout_percent-error").is_visible()
    _check(page, "settings-error-hi-desktop")
    page.get_by_label("होल्डआउट प्रतिशत").fill("10")
    page.get_by_role("button", name="सेटिंग सहेजें").click()
    page.wait_for_url("**/console/settings?done=saved")
    assert page.get_by_label("होल्डआउट प्रतिशत").input_value() == "10"
    page.context.close()
