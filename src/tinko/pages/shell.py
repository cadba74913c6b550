"""What every page of ours shares: the language choice, the switcher, headers, the cookie.

The payer page, the account pages, the unsubscribe page and the sandbox checkout all choose
their language the same way (`?lang=`, then the remembered choice, then the browser, then the
organisation) and remember an explicit choice site-wide, so a payer who picked Tamil on the
payer page sees the checkout and the return page in Tamil too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from tinko.config import Settings
from tinko.pages.i18n import LANGUAGE_NAMES, LANGUAGES, choose_language
from tinko.pages.rendering import render
from tinko.pages.security import page_headers

LANGUAGE_COOKIE: Final = "tinko_lang"
_LANGUAGE_COOKIE_SECONDS: Final = 180 * 24 * 3600


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


def language_of(request: Request, org_locale: str | None) -> str:
    return choose_language(
        asked=request.query_params.get("lang"),
        remembered=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        org_locale=org_locale,
    )


def language_links(
    request: Request, language: str, *, after_post: str | None = None
) -> list[LanguageLink]:
    """The page itself in each language; after a POST, `after_post` (a GET of the same page)."""
    if request.method == "GET" or after_post is None:
        path, query = request.url.path, dict(request.query_params)
    else:
        path, _, raw = after_post.partition("?")
        query = dict(part.split("=", 1) for part in raw.split("&") if "=" in part)
    return [
        LanguageLink(
            code,
            LANGUAGE_NAMES[code],
            f"{path}?{urlencode({**query, 'lang': code})}",
            code == language,
        )
        for code in LANGUAGES
    ]


def remember_language(request: Request, settings: Settings, response: HTMLResponse) -> None:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            str(asked),
            max_age=_LANGUAGE_COOKIE_SECONDS,
            path="/",
            secure=settings.base_url.startswith("https://"),
            httponly=True,
            samesite="lax",
        )


def html_page(
    request: Request,
    settings: Settings,
    template: str,
    values: Mapping[str, Any],
    *,
    language: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    after_post: str | None = None,
) -> HTMLResponse:
    context = {
        "lang": language,
        "merchant": None,
        "state": template.removesuffix(".html"),
        "refresh_seconds": None,
        "language_links": language_links(request, language, after_post=after_post),
        **values,
    }
    html = render(language, template, context)
    response = HTMLResponse(
        html, status_code=status, headers={**page_headers(settings.base_url), **(headers or {})}
    )
    response.headers["Content-Language"] = language
    remember_language(request, settings, response)
    return response
