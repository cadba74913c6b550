"""`/docs` and `/redoc` use Tinko's own built assets, served with long cache headers; without
them the pages say how to build them instead of rendering blank."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

FILES = {
    "swagger-ui.js": "swagger-ui.0123456789ab.js",
    "swagger-ui.css": "swagger-ui.0123456789ab.css",
    "favicon.png": "favicon.0123456789ab.png",
    "redoc.js": "redoc.0123456789ab.js",
}


@pytest.fixture
def dist(app: FastAPI, tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    for file in FILES.values():
        (folder / file).write_text(f"/* {file} */")
    (folder / "manifest.json").write_text(json.dumps(FILES))
    (tmp_path / "secret.txt").write_text("not an asset")
    app.state.docs_assets = folder
    return folder


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_docs_page_loads_only_local_assets(client: TestClient, dist: Path) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert sorted(_asset_urls(page.text)) == [
        "/static/dist/favicon.0123456789ab.png",
        "/static/dist/swagger-ui.0123456789ab.css",
        "/static/dist/swagger-ui.0123456789ab.js",
    ]
    assert "url: '/openapi.json'" in page.text


def test_redoc_page_loads_only_local_assets(client: TestClient, dist: Path) -> None:
    page = client.get("/redoc")
    assert page.status_code == 200
    assert sorted(_asset_urls(page.text)) == [
        "/static/dist/favicon.0123456789ab.png",
        "/static/dist/redoc.0123456789ab.js",
    ]
    assert "fonts.googleapis.com" not in page.text


def test_built_assets_are_served_cacheable_for_a_year(client: TestClient, dist: Path) -> None:
    response = client.get("/static/dist/redoc.0123456789ab.js")
    assert response.status_code == 200
    assert response.text == "/* redoc.0123456789ab.js */"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "name", ["manifest.json", "redoc.js", "..%2Fsecret.txt", "nothing.0123456789ab.js"]
)
def test_only_files_the_manifest_lists_are_served(
    client: TestClient, dist: Path, name: str
) -> None:
    assert client.get(f"/static/dist/{name}").status_code == 404


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_without_built_assets_the_page_says_how_to_build_them(
    client: TestClient, app: FastAPI, tmp_path: Path, path: str
) -> None:
    app.state.docs_assets = tmp_path / "never-built"
    page = client.get(path)
    assert page.status_code == 503
    assert "scripts/build-assets" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_the_default_cdn_docs_are_gone(app: FastAPI) -> None:
    assert (app.docs_url, app.redoc_url) == (None, None)
