"""`/unsubscribe/{token}`: one-click opt-out (docs/api.md "The endpoint groups").

GET shows a confirm button that works without JavaScript (a plain form). POST opts out; mail
clients that honour `List-Unsubscribe-Post` send `List-Unsubscribe=One-Click` to the same URL
(RFC 8058), and get the same answer. The token is the credential: no sign-in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy.orm import Session

from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import NotFound
from tinko.notify import copy
from tinko.notify.optouts import OptOutTarget, opt_out, read_token
from tinko.tenancy.models import Organization

router = TinkoRouter(tags=["pages"])

_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{ merchant or "Tinko" }}</title>
<style>
body { margin: 0; padding: 32px 16px; background: #f3f4f6; color: #1f2933;
  font-family: -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
main { max-width: 480px; margin: 0 auto; padding: 24px; background: #fff; border-radius: 8px; }
button { padding: 12px 20px; border: 0; border-radius: 6px; background: #1d4ed8;
  color: #fff; font-size: 16px; cursor: pointer; }
</style></head>
<body><main>
<p>{{ message }}</p>
{% if confirm %}<form method="post" action="">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">{{ confirm }}</button>
</form>{% endif %}
</main></body></html>"""
)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """Asks to confirm; nothing changes until the button is pressed."""
    found = _resolve(session, settings.secret_key, token)
    if isinstance(found, HTMLResponse):
        return found
    target, org, lang = found
    words = _words(target, org, lang)
    message = copy.line("unsubscribe_question", lang, **words)
    confirm = copy.line("unsubscribe_button", lang)
    return _page(lang, org.name, message, confirm)


async def _post_source(request: Request) -> str:
    """How the opt-out came: RFC 8058's one-click POST, or our own page's button."""
    body = (await request.body())[:200].decode(errors="replace")
    return "one_click" if "One-Click" in body else "link"


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    source: Annotated[str, Depends(_post_source)],
) -> HTMLResponse:
    """Opts out at once; messages already queued for this address are not sent."""
    found = _resolve(session, settings.secret_key, token)
    if isinstance(found, HTMLResponse):
        return found
    target, org, lang = found
    opt_out(session, clock, target, source)
    message = copy.line("unsubscribe_done", lang, **_words(target, org, lang))
    return _page(lang, org.name, message, None)


def _resolve(
    session: Session, secret_key: str, token: str
) -> tuple[OptOutTarget, Organization, str] | HTMLResponse:
    try:
        target = read_token(secret_key, token)
    except NotFound:
        return _invalid()
    org = session.get(Organization, target.org_id)
    if org is None:
        return _invalid()
    return target, org, copy.language(org.locale) or copy.DEFAULT_LOCALE


def _words(target: OptOutTarget, org: Organization, lang: str) -> dict[str, str]:
    return {"merchant": org.name, "channel": copy.phrase("channels", target.channel, lang)}


def _invalid() -> HTMLResponse:
    lang = copy.DEFAULT_LOCALE
    return _page(lang, None, copy.line("unsubscribe_invalid", lang), None, status=404)


def _page(
    lang: str, merchant: str | None, message: str, confirm: str | None, status: int = 200
) -> HTMLResponse:
    html = _PAGE.render(lang=lang, merchant=merchant, message=message, confirm=confirm)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
