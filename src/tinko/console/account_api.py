"""Routes of the account pages: the password links that invitation and reset mails carry."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Header, Request
from fastapi.responses import HTMLResponse

from tinko.console import account
from tinko.deps import ClockDep, RateLimiterDep, SessionDep, SettingsDep, TinkoRouter

# Pages for people, not API operations: kept out of the OpenAPI document.
router = TinkoRouter(
    prefix="/console",
    tags=["account pages"],
    default_response_class=HTMLResponse,
    include_in_schema=False,
)

# Generous bounds: the page answers a too-long value with its own message, not a 422.
Text = Annotated[str, Form(max_length=2000)]
FetchSite = Annotated[str | None, Header(alias="Sec-Fetch-Site")]


@router.get("/reset-password", summary="Choose a new password from a reset link")
def reset_page(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep, token: str = ""
) -> HTMLResponse:
    view = account.opened(session, clock, "reset", token[:512])
    return account.respond(request, settings, clock, view)


@router.post("/reset-password", summary="Set the new password")
def reset_submit(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    csrf: Text = "",
    token: Text = "",
    password: Text = "",
    fetch_site: FetchSite = None,
) -> HTMLResponse:
    form = account.Form(csrf=csrf, token=token, password=password, fetch_site=fetch_site)
    view = account.submitted(request, session, clock, settings, "reset", form)
    return account.respond(request, settings, clock, view)


@router.post("/reset-password/new", summary="Mail a new reset link")
def reset_new_link(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    csrf: Text = "",
    email: Text = "",
    fetch_site: FetchSite = None,
) -> HTMLResponse:
    form = account.Form(csrf=csrf, email=email, fetch_site=fetch_site)
    view = account.new_link(request, session, clock, settings, limiter, form)
    return account.respond(request, settings, clock, view)


@router.get("/accept-invite", summary="Join an organisation from an invitation")
def invite_page(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep, token: str = ""
) -> HTMLResponse:
    view = account.opened(session, clock, "invite", token[:512])
    return account.respond(request, settings, clock, view)


@router.post("/accept-invite", summary="Accept the invitation with a name and password")
def invite_submit(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    csrf: Text = "",
    token: Text = "",
    name: Text = "",
    password: Text = "",
    fetch_site: FetchSite = None,
) -> HTMLResponse:
    form = account.Form(csrf=csrf, token=token, password=password, name=name, fetch_site=fetch_site)
    view = account.submitted(request, session, clock, settings, "invite", form)
    return account.respond(request, settings, clock, view)
