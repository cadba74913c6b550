"""The API's documentation: the refined OpenAPI document, `/docs` and `/redoc`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from tinko.apidocs.assets import DIST
from tinko.apidocs.pages import router
from tinko.apidocs.schema import install_openapi

API_DESCRIPTION = """Failed-payment recovery: intake, classification, retries and outreach.

## Authentication

Merchant servers send an API key in the `X-API-Key` header; make one with
`POST /v1/api-keys` (it is shown once). Console users sign in with `POST /v1/auth/login` and
send the `access_token` as `Authorization: Bearer <token>`. In this page, **Authorize** takes
either. Everything is scoped to the caller's organisation.

## Errors

Every error is an RFC 9457 problem document (`application/problem+json`): `type`, `title`,
`status`, `detail`, and for invalid input `errors: [{loc, msg}]` naming each field.

<!-- ReDoc-Inject: <security-definitions> -->
"""


def install_docs(app: FastAPI, assets: Path = DIST) -> None:
    """For an app made with `docs_url=None, redoc_url=None`: serves Tinko's own docs pages,
    their assets from `assets` (`app.state.docs_assets`)."""
    app.state.docs_assets = assets
    install_openapi(app)
    app.include_router(router)


__all__ = ["API_DESCRIPTION", "install_docs"]
