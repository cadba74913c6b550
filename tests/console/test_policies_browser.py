"""The retry-policy editor in headless Chromium: edit the schedule, preview and backtest on the
org's own (simulated) history, then activate; axe 0 serious/critical; screenshots kept."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from tests.console.test_browser import fits, open_page, serious_violations, shoot, sign_in
from tests.factories import Account, register
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.simulate.history import fill_history


@pytest.fixture
def owner(client: TestClient, app: FastAPI, clock: FrozenClock, settings: Settings) -> Account:
    account = register(client, org_name="Kaveri Books")
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=account.headers)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, account.org_id, failures=120)
    return account


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_edit_backtest_and_activate_a_policy(
    browser: Browser, live_url: str, owner: Account, client: TestClient, size: str
) -> None:
    page = open_page(browser, size)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/policies/new")
    page.get_by_label("Policy name", exact=True).fill("Weekday mornings")
    page.get_by_label("Custom days and hours").check()
    page.get_by_role("button", name="Add a range").click()
    page.locator("#range-1-start").fill("14:00")
    page.locator("#range-1-end").fill("17:00")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Preview and backtest").click()
    assert page.locator("#backtest").is_visible()
    assert "your 120 most recent failed payments" in page.content()
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, f"policies-backtest-{size}")
    page.get_by_role("button", name="Activate this version").click()
    page.wait_for_url(f"{live_url}/console/policies?activated=*")
    assert page.get_by_text("Policy activated").is_visible()
    shoot(page, f"policies-list-{size}")
    active = client.get("/v1/retry-policies/active", headers=owner.headers).json()
    assert active["name"] == "Weekday mornings"
    assert len(active["windows"]["allowed"]) == 2
    page.context.close()
