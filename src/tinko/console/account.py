"""Account pages the mails link to: choosing a password from a reset link or an invitation.

`/console/reset-password?token=…` and `/console/accept-invite?token=…` are server-rendered
forms (no script) over the same services as `POST /v1/auth/password/reset`; a reset link that
no longer works offers a new one (the API's `forgot` rate limit applies). Every form carries a
signed double-submit CSRF token. They are in the console's shell (its template, headers and
language switcher), before sign-in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from email_validator import EmailNotValidError, validate_email
from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tinko.auth import onetime, service
from tinko.auth.identities import forget_after_commit
from tinko.auth.passwords import MAX_LENGTH, MIN_LENGTH
from tinko.config import Settings
from tinko.console.rendering import render_page
from tinko.deps import client_ip
from tinko.errors import Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.kit.ratelimit import RateLimiter, RateLimitExceeded
from tinko.pages.security import CSRF_COOKIE, CSRF_LIFETIME, csrf_for_form, csrf_valid
from tinko.pages.shell import language_of

RESET_PATH: Final = "/console/reset-password"
INVITE_PATH: Final = "/console/accept-invite"
PRODUCT: Final = "Tinko Recovery"
MAX_NAME_LENGTH: Final = 200


@dataclass(frozen=True)
class Form:
    """What the browser posted, as text (lengths are checked here, not by a 422)."""

    csrf: str = ""
    token: str = ""
    password: str = ""
    name: str = ""
    email: str = ""
    fetch_site: str | None = None  # Sec-Fetch-Site


@dataclass(frozen=True)
class View:
    """One state of an account page: `step` picks the template's branch."""

    kind: str  # reset | invite
    step: str  # form | invalid | forgot | sent | done | stale | busy
    status: int = 200
    token: str = ""
    holder: onetime.Holder | None = None
    name: str = ""
    email: str = ""
    errors: Mapping[str, str] = field(default_factory=dict)  # field → error key
    headers: Mapping[str, str] = field(default_factory=dict)


def _purpose(kind: str) -> str:
    return "invite" if kind == "invite" else "reset"


def opened(session: Session, clock: Clock, kind: str, token: str) -> View:
    """GET: the form for a usable token; for any other, a page that says what to do."""
    if not token and kind == "reset":
        return View(kind, "forgot")
    holder = onetime.holder(session, clock, token, _purpose(kind))
    if holder is None:
        return View(kind, "invalid", 410 if token else 400)
    return View(kind, "form", token=token, holder=holder, name=holder.name, email=holder.email)


def _forged(form: Form, request: Request, settings: Settings, clock: Clock) -> bool:
    if form.fetch_site not in (None, "same-origin"):
        return True
    return not csrf_valid(
        settings.secret_key, request.cookies.get(CSRF_COOKIE), form.csrf, clock.now()
    )


def _password_error(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    return None


def submitted(
    request: Request, session: Session, clock: Clock, settings: Settings, kind: str, form: Form
) -> View:
    """POST: set the password through the auth service, or say what to fix."""
    if _forged(form, request, settings, clock):
        return View(kind, "stale", 403, token=form.token[:512])
    holder = onetime.holder(session, clock, form.token, _purpose(kind))
    if holder is None:
        return View(kind, "invalid", 410)
    again = View(kind, "form", 422, form.token, holder, form.name[:MAX_NAME_LENGTH], holder.email)
    errors = {}
    if kind == "invite" and len(form.name) > MAX_NAME_LENGTH:
        errors["name"] = "too_long"
    password_error = _password_error(form.password)
    if password_error:
        errors["password"] = password_error
    if errors:
        return _with_errors(again, errors)
    try:
        if kind == "invite":
            user = onetime.accept_invite(
                session, clock, form.token, password=form.password, name=form.name
            )
        else:
            user = service.reset_password(session, clock, form.token, form.password)
    except Unprocessable:
        # The token was checked above, so what the service refused is the password.
        return _with_errors(again, {"password": "guessable"})
    forget_after_commit(session, request.app.state.identity_cache, user.id)
    return View(kind, "done", holder=holder, email=holder.email)


def _with_errors(view: View, errors: Mapping[str, str]) -> View:
    return View(
        view.kind, view.step, view.status, view.token, view.holder, view.name, view.email, errors
    )


def new_link(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    limiter: RateLimiter,
    form: Form,
) -> View:
    """POST …/new: mail a fresh reset link, with the API's `forgot` limits; the answer is the
    same whether or not the account exists."""
    if _forged(form, request, settings, clock):
        return View("reset", "stale", 403)
    try:
        email = validate_email(form.email.strip()[:320], check_deliverability=False).normalized
    except EmailNotValidError:
        return View("reset", "forgot", 422, email=form.email[:320], errors={"email": "invalid"})
    try:
        account = f"account:{token_digest(email.lower())}"
        limiter.hit("forgot", f"ip:{client_ip(request)}", account)
    except RateLimitExceeded as exc:
        retry_after = {"Retry-After": str(max(1, exc.retry_after_seconds))}
        return View("reset", "busy", 429, headers=retry_after)
    service.forgot_password(session, clock, settings, email)
    return View("reset", "sent", email=email)


def respond(request: Request, settings: Settings, clock: Clock, view: View) -> HTMLResponse:
    holder = view.holder
    path = INVITE_PATH if view.kind == "invite" else RESET_PATH
    csrf = csrf_for_form(settings.secret_key, request.cookies.get(CSRF_COOKIE), clock.now())
    values: dict[str, Any] = {
        "kind": view.kind,
        "step": view.step,
        "state": f"{view.kind}_{view.step}",
        "merchant": holder.org_name if holder and view.kind == "invite" else PRODUCT,
        "action": path,
        "forgot_action": f"{RESET_PATH}/new",
        "reset_url": RESET_PATH,
        "token": view.token,
        "name": view.name,
        "email": view.email,
        "errors": view.errors,
        "csrf": csrf,
        "min_length": MIN_LENGTH,
        "max_length": MAX_LENGTH,
    }
    language = language_of(request, holder.org_locale if holder else None)
    # After a POST the switcher reopens the page the form came from.
    back = f"{path}?token={view.token}" if view.token else path
    response = render_page(
        request,
        "console/account.html",
        values,
        status=view.status,
        headers=view.headers,
        language=language,
        after_post=back,
    )
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
