"""Sign-in, sign-up and sign-out: the auth service's users, passwords and refresh-token
families, with the API's rate limits, carried by the console's session cookie."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from email_validator import EmailNotValidError, validate_email
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tinko.auth import service
from tinko.auth.identities import forget_after_commit
from tinko.auth.passwords import MAX_LENGTH, MIN_LENGTH
from tinko.config import Settings
from tinko.console import sessions
from tinko.console.access import HOME_PATH, ConsoleUser, cross_site, safe_next
from tinko.console.rendering import clear_session_cookie, redirect, render_page, set_session_cookie
from tinko.deps import client_ip
from tinko.errors import Unauthorized, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.kit.ratelimit import RateLimiter, RateLimitExceeded
from tinko.onboarding import service as onboarding
from tinko.pages.security import CSRF_COOKIE, CSRF_LIFETIME, csrf_for_form, csrf_valid

MAX_TEXT: Final = 200


@dataclass(frozen=True)
class Form:
    """What the sign-in or sign-up form posted."""

    csrf: str = ""
    next: str = ""
    email: str = ""
    password: str = ""
    name: str = ""
    org_name: str = ""
    fetch_site: str | None = None


@dataclass(frozen=True)
class Shown:
    mode: str  # login | signup
    status: int = 200
    form: Form = Form()
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def show(request: Request, settings: Settings, clock: Clock, shown: Shown) -> Response:
    """The sign-in or sign-up page, with a fresh (or the browser's) double-submit CSRF token."""
    csrf = csrf_for_form(settings.secret_key, request.cookies.get(CSRF_COOKIE), clock.now())
    form = shown.form
    errors = shown.errors
    autofocus = "email" if "email" in errors else ("password" if errors else "")
    values: dict[str, Any] = {
        "mode": shown.mode,
        "action": "/console/signup" if shown.mode == "signup" else "/console/login",
        "csrf": csrf,
        "next": safe_next(form.next or request.query_params.get("next")),
        "email": form.email[:320],
        "name": form.name[:MAX_TEXT],
        "org_name": form.org_name[:MAX_TEXT],
        "errors": errors,
        "notice": shown.notice,
        "autofocus": autofocus,
        "min_length": MIN_LENGTH,
        "max_length": MAX_LENGTH,
    }
    template = "console/problem.html" if shown.status in (403, 429) else "console/signin.html"
    if shown.status in (403, 429):
        values["kind"] = "csrf" if shown.status == 403 else "busy"
    response = render_page(request, template, values, status=shown.status, headers=shown.headers)
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=int(CSRF_LIFETIME.total_seconds()),
        path="/console",
        secure=settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )
    return response


def forged(request: Request, settings: Settings, clock: Clock, form: Form) -> bool:
    if cross_site(form.fetch_site):
        return True
    cookie = request.cookies.get(CSRF_COOKIE)
    return not csrf_valid(settings.secret_key, cookie, form.csrf, clock.now())


def _limited(limiter: RateLimiter, name: str, request: Request, email: str) -> int | None:
    """The API's limits by the same names: per IP and per address. Seconds to wait, or None."""
    try:
        account = f"account:{token_digest(email.strip().lower())}"
        limiter.hit(name, f"ip:{client_ip(request)}", account)
    except RateLimitExceeded as exc:
        return max(1, exc.retry_after_seconds)
    return None


def _signed_in(
    request: Request, settings: Settings, clock: Clock, auth: service.AuthSession, wanted: str
) -> Response:
    ticket = sessions.new_ticket(auth.user.id, auth.family_id, clock.now())
    response = redirect(request, safe_next(wanted))
    value = sessions.encode(settings.secret_key, ticket)
    set_session_cookie(request, response, value, int(sessions.ABSOLUTE.total_seconds()))
    return response


def log_in(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
    form: Form,
) -> Response:
    if forged(request, settings, clock, form):
        return show(request, settings, clock, Shown("login", 403, form))
    errors = {}
    if not form.email.strip():
        errors["email"] = "required"
    if not form.password:
        errors["password"] = "required"
    if errors:
        return show(request, settings, clock, Shown("login", 422, form, errors))
    wait = _limited(limiter, "login", request, form.email)
    if wait is not None:
        return show(
            request, settings, clock, Shown("login", 429, form, headers={"Retry-After": str(wait)})
        )
    try:
        auth = service.login(
            session,
            clock,
            settings,
            email=form.email[:320],
            password=form.password[: MAX_LENGTH * 4],
        )
    except Unauthorized:
        blank = Form(next=form.next, email=form.email)
        return show(request, settings, clock, Shown("login", 401, blank, {"form": "credentials"}))
    # The form's `next` is the dashboard when no page was asked for.
    wanted = form.next if form.next not in ("", HOME_PATH) else _unfinished(session, auth)
    return _signed_in(request, settings, clock, auth, wanted)


def _unfinished(session: Session, auth: service.AuthSession) -> str:
    """An owner who left onboarding half-way goes back to it; everyone else to the dashboard."""
    state = onboarding.find(session, auth.user.org_id) if auth.user.role == "owner" else None
    return "/console/onboarding" if state is not None and state.live_at is None else ""


def _signup_errors(form: Form) -> tuple[dict[str, str], str]:
    errors = {}
    email = ""
    try:
        email = validate_email(form.email.strip()[:320], check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = "invalid"
    if not form.org_name.strip():
        errors["org_name"] = "required"
    for name in ("org_name", "name"):
        if len(getattr(form, name)) > MAX_TEXT:
            errors[name] = "too_long"
    if len(form.password) < MIN_LENGTH:
        errors["password"] = "too_short"
    elif len(form.password) > MAX_LENGTH:
        errors["password"] = "too_long"
    return errors, email


def sign_up(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
    form: Form,
) -> Response:
    """A new organisation and its owner, signed in. A taken address looks the same as a new
    one (the auth service mails its holder), as the API's register does."""
    if forged(request, settings, clock, form):
        return show(request, settings, clock, Shown("signup", 403, form))
    errors, email = _signup_errors(form)
    if errors:
        return show(request, settings, clock, Shown("signup", 422, form, errors))
    wait = _limited(limiter, "register", request, email)
    if wait is not None:
        return show(
            request, settings, clock, Shown("signup", 429, form, headers={"Retry-After": str(wait)})
        )
    try:
        auth = service.register(
            session,
            clock,
            settings,
            email=email,
            password=form.password,
            org_name=form.org_name.strip(),
            name=form.name.strip(),
        )
    except Unprocessable:
        return show(request, settings, clock, Shown("signup", 422, form, {"password": "guessable"}))
    # A new owner lands in the onboarding wizard (console/onboarding.py).
    return _signed_in(request, settings, clock, auth, "/console/onboarding")


def log_out(request: Request, session: Session, clock: Clock, user: ConsoleUser) -> Response:
    for family in service.logout(session, clock, user.user_id, user.family_id, None):
        forget_after_commit(session, request.app.state.identity_cache, family)
    request.state.console_cookie = None
    response = redirect(request, "/console/login?signed_out=1")
    clear_session_cookie(request, response)
    return response
