"""Routes of the console's shell: sign-in, sign-up, sign-out, preferences and the dashboard.

Other console pages add their own `TinkoRouter(prefix="/console")` to `ROUTERS` in
console/routes.py, which mounts them all and the shell's error pages.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Header, Request
from fastapi.responses import HTMLResponse, Response

from tinko.console import dashboard_page, signin
from tinko.console.access import (
    LOGIN_PATH,
    ConsolePostDep,
    ConsoleUserDep,
    SignInNeeded,
)
from tinko.console.rendering import clear_session_cookie, redirect, render_page
from tinko.console.signin import Shown
from tinko.deps import ClockDep, RateLimiterDep, SessionDep, SettingsDep, TinkoRouter

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
Text = Annotated[str, Form(max_length=2000)]
FetchSite = Annotated[str | None, Header(alias="Sec-Fetch-Site")]


@router.get("/login")
def login_page(request: Request, settings: SettingsDep, clock: ClockDep) -> Response:
    q = request.query_params
    notice = "signed_out" if q.get("signed_out") else ("expired" if q.get("next") else "")
    return signin.show(request, settings, clock, Shown("login", notice=notice))


@router.post("/login")
def login_submit(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    csrf: Text = "",
    next: Text = "",
    email: Text = "",
    password: Text = "",
    fetch_site: FetchSite = None,
) -> Response:
    form = signin.Form(csrf, next, email, password, fetch_site=fetch_site)
    return signin.log_in(request, session, clock, settings, limiter, form)


@router.get("/signup")
def signup_page(request: Request, settings: SettingsDep, clock: ClockDep) -> Response:
    return signin.show(request, settings, clock, Shown("signup"))


@router.post("/signup")
def signup_submit(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    csrf: Text = "",
    email: Text = "",
    password: Text = "",
    name: Text = "",
    org_name: Text = "",
    fetch_site: FetchSite = None,
) -> Response:
    form = signin.Form(csrf, "", email, password, name, org_name, fetch_site)
    return signin.sign_up(request, session, clock, settings, limiter, form)


@router.post("/logout")
def logout(
    request: Request, user: ConsolePostDep, session: SessionDep, clock: ClockDep
) -> Response:
    return signin.log_out(request, session, clock, user)


@router.get("/forgot-password")
def forgot_password(request: Request) -> Response:
    return redirect(request, "/console/reset-password", status=307)


@router.get("/")
def dashboard(request: Request, user: ConsoleUserDep, clock: ClockDep) -> Response:
    return dashboard_page.show(request, user, clock, fragment=False)


@router.get("/dashboard/data")
def dashboard_data(request: Request, user: ConsoleUserDep, clock: ClockDep) -> Response:
    """The figures alone, for the dashboard's auto-refresh (htmx)."""
    return dashboard_page.show(request, user, clock, fragment=True)


@router.post("/preferences/refresh")
def save_refresh(
    request: Request,
    user: ConsolePostDep,
    session: SessionDep,
    seconds: Text = "0",
    back: Text = "/console/",
) -> Response:
    return dashboard_page.save_refresh(request, session, user, seconds, back)


def sign_in_needed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    response = redirect(request, f"{LOGIN_PATH}?next={quote(exc.wanted, safe='/')}")
    if request.cookies.get("tinko_console"):
        clear_session_cookie(request, response)
    return response


def csrf_rejected(request: Request, exc: Exception) -> Response:
    return render_page(request, "console/problem.html", {"kind": "csrf"}, status=403)


def forbidden(request: Request, exc: Exception) -> Response:
    return render_page(request, "console/problem.html", {"kind": "forbidden"}, status=403)
