"""`/unsubscribe/{token}`: one-click opt-out (docs/api.md "The endpoint groups").

GET shows a confirm button that works without JavaScript (a plain form). POST opts out; mail
clients that honour `List-Unsubscribe-Post` send `List-Unsubscribe=One-Click` to the same URL
(RFC 8058), and get the same answer. The token is the credential: no sign-in. The page speaks
the customer's language as the payer page does (the link carries `?lang=` from the customer's
locale; else the browser, else the organisation's locale).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import NotFound
from tinko.notify.optouts import OptOutTarget, opt_out, read_token
from tinko.pages.shell import html_page, language_of
from tinko.tenancy.models import Organization

router = TinkoRouter(tags=["pages"])


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Asks to confirm; nothing changes until the button is pressed."""
    found = _resolve(session, settings.secret_key, token)
    if found is None:
        return _page(request, settings, None, None, "invalid")
    target, org = found
    return _page(request, settings, target, org, "ask")


async def _post_source(request: Request) -> str:
    """How the opt-out came: RFC 8058's one-click POST, or our own page's button."""
    body = (await request.body())[:200].decode(errors="replace")
    return "one_click" if "One-Click" in body else "link"


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    source: Annotated[str, Depends(_post_source)],
) -> HTMLResponse:
    """Opts out at once; messages already queued for this address are not sent."""
    found = _resolve(session, settings.secret_key, token)
    if found is None:
        return _page(request, settings, None, None, "invalid")
    target, org = found
    opt_out(session, clock, target, source)
    return _page(request, settings, target, org, "done")


def _resolve(
    session: Session, secret_key: str, token: str
) -> tuple[OptOutTarget, Organization] | None:
    try:
        target = read_token(secret_key, token)
    except NotFound:
        return None
    org = session.get(Organization, target.org_id)
    return None if org is None else (target, org)


def _page(
    request: Request,
    settings: Settings,
    target: OptOutTarget | None,
    org: Organization | None,
    step: str,  # ask | done | invalid
) -> HTMLResponse:
    values = {
        "state": f"unsubscribe_{step}",
        "step": step,
        "merchant": org.name if org else None,
        "channel": target.channel if target else None,
    }
    language = language_of(request, org.locale if org else None)
    status = 404 if step == "invalid" else 200
    return html_page(
        request, settings, "unsubscribe.html", values, language=language, status=status
    )
