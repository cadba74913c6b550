"""`/docs` (Swagger UI) and `/redoc` from Tinko's own copies of their assets: no CDN, so the
documentation works on a machine without internet access."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from tinko.apidocs.assets import BUILD_HINT, AssetsMissing, served_file, urls
from tinko.deps import TinkoRouter

# TinkoRouter: its path parameter passes the same edge checks as every other route.
router = TinkoRouter(include_in_schema=False)

# Hashed names never change content, so browsers may keep them for a year without asking.
_IMMUTABLE = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
}
_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    try:
        js, css, icon = urls("swagger-ui.js", "swagger-ui.css", "favicon.png", dist=_dist(request))
    except AssetsMissing as missing:
        return _not_built("Swagger UI", str(missing))
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} — API",
        swagger_js_url=js,
        swagger_css_url=css,
        swagger_favicon_url=icon,
        # Keep the key or token entered under Authorize across reloads of the page.
        swagger_ui_parameters={"persistAuthorization": True},
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    try:
        js, icon = urls("redoc.js", "favicon.png", dist=_dist(request))
    except AssetsMissing as missing:
        return _not_built("ReDoc", str(missing))
    return get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} — API",
        redoc_js_url=js,
        redoc_favicon_url=icon,
        with_google_fonts=False,
    )


@router.get("/static/dist/{file}")
def built_asset(file: str, request: Request) -> Response:
    path = served_file(file, _dist(request))
    if path is None:
        return PlainTextResponse("Not found", status_code=404, headers=_NO_STORE)
    return FileResponse(path, headers=_IMMUTABLE)


def _dist(request: Request) -> Path:
    dist: Path = request.app.state.docs_assets
    return dist


def _openapi_url(request: Request) -> str:
    return request.app.openapi_url or "/openapi.json"


def _not_built(what: str, missing: str) -> HTMLResponse:
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API documentation not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>The API documentation is not built</h1>
<p>{escape(what)} is served from this server's own copy of its files, and
<code>{escape(missing)}</code> is missing. Build them once with
<code>{escape(BUILD_HINT)}</code> (or <code>scripts/bootstrap</code>) in the Tinko checkout;
no restart is needed.</p>
<p>The OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>"""
    return HTMLResponse(body, status_code=503, headers=_NO_STORE)
