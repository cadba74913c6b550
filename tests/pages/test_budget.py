"""The payer page and everything it loads from us stay under 30 KB, uncompressed."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.pages.conftest import PayerLink

BUDGET_BYTES = 30 * 1024


@pytest.mark.parametrize("language", ["en", "hi", "ta"])
def test_page_and_its_assets_fit_the_budget(
    client: TestClient, payer_link: PayerLink, language: str
) -> None:
    page = client.get(payer_link.path, params={"lang": language})
    loaded = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="(/[^"]*)"', page.text)
    assert loaded, "the page should load its stylesheet from us"
    sizes = {"page": len(page.content)}
    for path in loaded:
        asset = client.get(path)
        assert asset.status_code == 200, path
        sizes[path] = len(asset.content)
    assert sum(sizes.values()) < BUDGET_BYTES, sizes


def test_stylesheet_is_cached_for_a_year_under_a_content_hash(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(payer_link.path).text
    found = re.search(r'href="(/pay/assets/pay\.[0-9a-f]{12}\.css)"', page)
    assert found
    asset = client.get(found.group(1))
    assert asset.headers["content-type"].startswith("text/css")
    assert "immutable" in asset.headers["cache-control"]


def test_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get("/pay/assets/pay.000000000000.css").status_code == 404
