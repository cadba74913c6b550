"""The API's documentation: the refined OpenAPI document, `/docs` and `/redoc`."""

from __future__ import annotations

from fastapi import FastAPI

from tinko.apidocs.pages import router
from tinko.apidocs.schema import install_openapi


def install_docs(app: FastAPI) -> None:
    """For an app made with `docs_url=None, redoc_url=None`: serves Tinko's own docs pages."""
    install_openapi(app)
    app.include_router(router)


__all__ = ["install_docs"]
