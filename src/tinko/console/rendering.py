"""`render_page`: a console template in the person's language, with the shell's context and
headers (strict CSP: scripts and styles only from our own origin, no inline script, no eval).

Templates live in console/templates/console/; the catalogs are the payer page's
(pages/locale). A template that extends `console/base.html` is a whole page; one that does not
is an htmx fragment, rendered the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tinko.apidocs.assets import URL_PREFIX, manifest
from tinko.console import sessions
from tinko.console.access import ConsoleUser
from tinko.console.formats import Formats
from tinko.console.nav import ROLE_LABELS, nav_for
from tinko.pages.i18n import LANGUAGE_NAMES, LANGUAGES, translations
from tinko.pages.shell import language_of, remember_language

_HERE: Final = Path(__file__).parent
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",  # reset and invite links carry tokens in the URL
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    href: str
    current: bool


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def asset_url(name: str) -> str | None:
    """The built asset's URL (frontend/build.mjs), or None when the assets are not built: the
    pages still work, unstyled and without script."""
    file = manifest().get(name)
    return f"{URL_PREFIX}/{file}" if file else None


def language_links(
    request: Request, language: str, after_post: str | None = None
) -> list[LanguageLink]:
    """The page itself in each language; after a POST, `after_post` (a GET of that page)."""
    if request.method == "GET" or after_post is None:
        path, query = request.url.path, dict(request.query_params)
    else:
        path, _, raw = after_post.partition("?")
        query = dict(part.split("=", 1) for part in raw.split("&") if "=" in part)
    query.pop("lang", None)
    return [
        LanguageLink(
            code,
            LANGUAGE_NAMES[code],
            f"{path}?{urlencode({**query, 'lang': code})}",
            code == language,
        )
        for code in LANGUAGES
    ]


def page_language(request: Request) -> str:
    user: ConsoleUser | None = getattr(request.state, "console_user", None)
    return user.language if user else language_of(request, None)


def render_page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
    after_post: str | None = None,
) -> HTMLResponse:
    """The page (or htmx fragment) `template` with `context`, plus what every page has:
    `user` (ConsoleUser or None), `lang`, `csrf`, `nav`, `language_links`, `css_url`,
    `js_url`, `path`, `fmt`. Applies the renewed session cookie and the security headers.
    `language` overrides the person's (a page before sign-in that knows better); after a
    POST, `after_post` is the GET the language switcher should reopen (default: dashboard)."""
    user: ConsoleUser | None = getattr(request.state, "console_user", None)
    language = language or page_language(request)
    values = {
        "user": user,
        "lang": language,
        "csrf": user.csrf if user else context.get("csrf", ""),
        "nav": nav_for(user, request.url.path),
        "role_labels": ROLE_LABELS,
        "language_links": language_links(request, language, after_post or "/console/"),
        "css_url": asset_url("console.css"),
        "js_url": asset_url("console.js"),
        "path": request.url.path,
        "fmt": Formats(language, user.org_locale if user else None),
        **context,
    }
    html = environment(language).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})
    response.headers["Content-Language"] = language
    finish(request, response)
    return response


def redirect(request: Request, url: str, *, status: int = 303) -> Response:
    """A redirect (303 after a post); for htmx, `HX-Redirect` so the whole page moves."""
    if request.headers.get("HX-Request") == "true":
        response: Response = Response(status_code=200, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    finish(request, response)
    return response


def finish(request: Request, response: Response) -> None:
    """The renewed session cookie (idle timer moved on) and the remembered language."""
    renewed = getattr(request.state, "console_cookie", None)
    if renewed:
        set_session_cookie(request, response, renewed, request.state.console_cookie_age)
    if isinstance(response, HTMLResponse) and getattr(request.state, "console_user", None) is None:
        remember_language(request, request.app.state.settings, response)


def set_session_cookie(request: Request, response: Response, value: str, max_age: int) -> None:
    response.set_cookie(
        sessions.COOKIE,
        value,
        max_age=max_age,
        path=sessions.COOKIE_PATH,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        sessions.COOKIE,
        path=sessions.COOKIE_PATH,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )
