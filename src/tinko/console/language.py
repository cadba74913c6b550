"""The console's language: `?lang=`, then the person's saved choice, then the browser.

One set of catalogs with the payer page (pages/i18n.py). A choice made with the switcher is
saved on the user (`app_user.language`), so it follows the person to another browser; before
sign-in the site-wide language cookie of the payer pages remembers it.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import update

from tinko.auth.models import User
from tinko.db import unit_of_work
from tinko.pages.i18n import LANGUAGES, choose_language
from tinko.pages.shell import LANGUAGE_COOKIE


def choose_for_user(request: Request, saved: str | None, org_locale: str | None) -> str:
    return choose_language(
        asked=request.query_params.get("lang"),
        remembered=saved if saved in LANGUAGES else request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        org_locale=org_locale,
    )


def remember_for_user(request: Request, org_id: str, user_id: str, language: str) -> None:
    """Its own short unit of work: a GET with ?lang= saves the choice as it shows the page."""
    if language not in LANGUAGES:
        return
    with unit_of_work(request.app.state.session_factory) as session:
        session.execute(
            update(User).where(User.org_id == org_id, User.id == user_id).values(language=language)
        )
