"""The templates editor in headless Chromium: open the Tamil SMS, change it, preview it with its
segment count, see a syntax error at its line; axe 0 serious/critical; screenshots kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from tests.console.test_browser import fits, open_page, serious_violations, shoot, sign_in
from tests.factories import Account, register


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_preview_a_tamil_sms_with_its_segments(
    browser: Browser, live_url: str, owner: Account, size: str
) -> None:
    page = open_page(browser, size)
    sign_in(page, live_url, owner.email)
    page.goto(f"{live_url}/console/templates")
    assert serious_violations(page) == []
    shoot(page, f"templates-grid-{size}")
    page.locator('a[href="/console/templates/tpl_default_sms_ta"]').click()
    page.locator("#body").fill("வணக்கம் {{ customer_name }}, {{ amount }} செலுத்த: {{ link }}")
    page.get_by_role("button", name="Show the preview", exact=True).click()
    assert page.locator("#sms-length").is_visible()
    assert "UCS-2" in page.locator("#sms-length").inner_text()
    assert int(page.locator("#sms-segments").inner_text()) >= 2
    assert "வணக்கம் Asha Rao" in page.locator("#preview-text").inner_text()
    assert fits(page)
    assert serious_violations(page) == []
    shoot(page, f"templates-tamil-sms-{size}")
    page.locator("#body").fill("வணக்கம்\n{{ amount + }}")
    page.get_by_role("button", name="Show the preview", exact=True).click()
    assert "line 2" in page.locator("#body-error").inner_text()
    assert serious_violations(page) == []
    shoot(page, f"templates-error-{size}")
    page.context.close()


def test_tamil_page_reads_in_tamil(browser: Browser, live_url: str, owner: Account) -> None:
    page = open_page(browser, "desktop", "ta")
    sign_in(page, live_url, owner.email, "ta")
    page.goto(f"{live_url}/console/templates/tpl_default_sms_ta?lang=ta")
    assert page.get_attribute("html", "lang") == "ta"
    assert serious_violations(page) == []
    shoot(page, "templates-tamil-sms-ta")
    page.context.close()
