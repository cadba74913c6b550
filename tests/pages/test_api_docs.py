"""`/docs` and `/redoc` in headless Chromium with every non-local request refused: the docs
render from Tinko's own assets, and Swagger UI's Authorize takes an API key that then works."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route

from tests.factories import create_api_key, register
from tinko.apidocs.assets import BUILD_HINT, DIST, manifest

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A desktop page whose requests to anywhere but this machine are aborted (and listed)."""
    if not manifest(DIST):
        pytest.fail(f"the docs assets are not built: run {BUILD_HINT}")
    refused: list[str] = []

    def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", local_only)
    yield context.new_page(), refused
    context.close()


def test_swagger_ui_renders_the_operations_offline(
    offline_page: tuple[Page, list[str]], live_url: str
) -> None:
    page, refused = offline_page
    page.goto(f"{live_url}/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 50
    assert page.locator("#operations-intake-payment_failed_v1_events_payment_failed_post").count()
    assert refused == []


def test_swagger_ui_authorize_offers_the_api_key_and_uses_it(
    offline_page: tuple[Page, list[str]], live_url: str, client: TestClient
) -> None:
    owner = register(client)
    key = create_api_key(client, owner, role="viewer")["key"]
    page, refused = offline_page
    page.goto(f"{live_url}/docs")
    page.locator("button.authorize").first.click()
    dialog = page.locator(".modal-ux")
    api_key = dialog.locator(".auth-container", has_text="ApiKeyAuth")
    assert "X-API-Key" in api_key.inner_text()
    assert dialog.locator(".auth-container", has_text="BearerAuth").count() == 1
    api_key.locator("input").fill(key)
    api_key.locator("button.authorize").click()
    dialog.locator("button.btn-done").first.click()

    me = page.locator("#operations-auth-me_v1_auth_me_get")
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    status = me.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert owner.org_id in me.locator(".live-responses-table").inner_text()
    assert refused == []


def test_redoc_renders_the_operations_offline(
    offline_page: tuple[Page, list[str]], live_url: str
) -> None:
    page, refused = offline_page
    page.goto(f"{live_url}/redoc")
    operations = page.locator("[data-section-id*='/operation/']")
    operations.first.wait_for()
    assert operations.count() >= 50
    api_key = page.locator("[data-section-id='section/Authentication/ApiKeyAuth']")
    assert "X-API-Key" in api_key.inner_text()
    assert refused == []
