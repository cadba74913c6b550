"""Who may open a console page: the session dependency, CSRF, roles and where `next` may go.

`require_console_user` reads the session cookie (sessions.py), checks its lifetimes and that
its refresh-token family is still live, and gives a `ConsoleUser`. A missing or expired session
raises `SignInNeeded`, which answers with the sign-in page's address and the page wanted as
`next` (for htmx, an `HX-Redirect`). A POST also needs the session's CSRF token, in the form's
`csrf` field or htmx's `X-CSRF-Token` header; without it: `CsrfRejected`, a 403 page, nothing
changed. Roles are checked here too (`ConsoleForbidden`, a 403 page).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import urlsplit

from fastapi import Depends, Form, Header, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from tinko.audit import context as audit_context
from tinko.auth.models import RefreshToken, User
from tinko.console import sessions
from tinko.console.language import choose_for_user, remember_for_user
from tinko.deps import ROLE_RANK, ClockDep, Role, SettingsDep
from tinko.tenancy.models import Organization

LOGIN_PATH: Final = "/console/login"
HOME_PATH: Final = "/console/"
POLL_HEADER: Final = "X-Tinko-Poll"  # set by the dashboard's auto-refresh: not a person's action


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in person of a console request."""

    user_id: str
    org_id: str
    role: str  # viewer | admin | owner
    language: str  # the page's language for this request (en | hi | ta)
    name: str
    email: str
    org_name: str
    org_locale: str
    org_timezone: str
    family_id: str
    csrf: str  # put it in every form (`csrf` field); htmx sends it as X-CSRF-Token
    refresh_seconds: int  # the dashboard's auto-refresh: 0, 30 or 60

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


class SignInNeeded(Exception):
    """No live session: go to the sign-in page, then back to `wanted`."""

    def __init__(self, wanted: str) -> None:
        super().__init__("sign in needed")
        self.wanted = wanted


class CsrfRejected(Exception):
    """A POST without this session's CSRF token (or from another site): nothing was done."""


class ConsoleForbidden(Exception):
    def __init__(self, needed: str) -> None:
        super().__init__(f"needs {needed}")
        self.needed = needed


def safe_next(value: str | None) -> str:
    """A console path to go back to after signing in; anything else (another site, a scheme,
    `//host`, backslashes, control characters) is replaced by the dashboard."""
    if not value or len(value) > 2000 or "\\" in value:
        return HOME_PATH
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return HOME_PATH
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        return HOME_PATH
    if parts.path != "/console" and not parts.path.startswith("/console/"):
        return HOME_PATH
    if parts.path.startswith(LOGIN_PATH):
        return HOME_PATH
    return value


def wanted_path(request: Request) -> str:
    """The page a person was opening: for htmx, the page in the address bar, not the fragment."""
    current = request.headers.get("HX-Current-URL")
    if current:
        parts = urlsplit(current)
        return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    query = request.url.query
    return safe_next(request.url.path + (f"?{query}" if query else ""))


def _load(request: Request, ticket: sessions.Ticket) -> tuple[User, Organization] | None:
    with request.app.state.read_session_factory() as reader:
        user = reader.get(User, ticket.user_id)
        if user is None or user.status != "active":
            return None
        live = select(RefreshToken.id).where(
            RefreshToken.family_id == ticket.family_id,
            RefreshToken.user_id == user.id,
            RefreshToken.revoked_at.is_(None),
        )
        if reader.scalars(live.limit(1)).first() is None:
            return None  # signed out, password reset or revoked
        org = reader.get(Organization, user.org_id)
        if org is None:
            return None
        reader.expunge_all()
        return user, org


async def require_console_user(
    request: Request, settings: SettingsDep, clock: ClockDep
) -> ConsoleUser:
    """The signed-in person, or SignInNeeded. Renews the idle timer unless the request is the
    dashboard's auto-refresh (a page left open must still time out)."""
    now = clock.now()
    ticket = sessions.decode(settings.secret_key, request.cookies.get(sessions.COOKIE))
    if ticket is None or ticket.expired(now):
        raise SignInNeeded(wanted_path(request))
    found = await run_in_threadpool(_load, request, ticket)
    if found is None:
        raise SignInNeeded(wanted_path(request))
    user, org = found
    if ticket.stale(now) and request.headers.get(POLL_HEADER) != "1":
        request.state.console_cookie = sessions.encode(settings.secret_key, ticket.seen_at(now))
        request.state.console_cookie_age = ticket.max_age(now)
    asked = request.query_params.get("lang")
    language = choose_for_user(request, user.language, org.locale)
    if asked == language and asked != user.language:
        await run_in_threadpool(remember_for_user, request, user.org_id, user.id, language)
    console_user = ConsoleUser(
        user_id=user.id,
        org_id=user.org_id,
        role=user.role,
        language=language,
        name=user.name,
        email=user.email,
        org_name=org.name,
        org_locale=org.locale,
        org_timezone=org.timezone,
        family_id=ticket.family_id,
        csrf=sessions.csrf_token(settings.secret_key, ticket.family_id),
        refresh_seconds=user.console_refresh or 0,
    )
    request.state.console_user = console_user
    audit_context.set_actor("user", user.id)  # the console's changes are audited as this person
    request.state.org_id = user.org_id  # for the access log line
    return console_user


ConsoleUserDep = Annotated[ConsoleUser, Depends(require_console_user)]


def cross_site(fetch_site: str | None) -> bool:
    """Sec-Fetch-Site says another site sent it (browsers that send the header)."""
    return fetch_site not in (None, "same-origin", "none")


async def require_console_post(
    user: ConsoleUserDep,
    settings: SettingsDep,
    csrf: Annotated[str, Form(max_length=200)] = "",
    csrf_header: Annotated[str | None, Header(alias="X-CSRF-Token", max_length=200)] = None,
    fetch_site: Annotated[str | None, Header(alias="Sec-Fetch-Site")] = None,
) -> ConsoleUser:
    """A signed-in person's form post or htmx request, with this session's CSRF token."""
    submitted = csrf_header or csrf
    if cross_site(fetch_site) or not sessions.csrf_matches(
        settings.secret_key, user.family_id, submitted
    ):
        raise CsrfRejected()
    return user


ConsolePostDep = Annotated[ConsoleUser, Depends(require_console_post)]


def console_role(
    role: Role, *, post: bool = False
) -> Callable[..., Coroutine[Any, Any, ConsoleUser]]:
    """A dependency for pages (or posts) that need at least `role`; the server decides, the
    templates only hide what a person may not do (`user.at_least`)."""
    base = require_console_post if post else require_console_user

    async def dependency(user: ConsoleUser) -> ConsoleUser:
        if not user.at_least(role):
            raise ConsoleForbidden(role)
        return user

    # Set as an object: a postponed annotation could not see `base`, a local name.
    dependency.__annotations__["user"] = Annotated[ConsoleUser, Depends(base)]
    dependency.__name__ = f"console_{role}{'_post' if post else ''}"
    return dependency


ConsoleAdminDep = Annotated[ConsoleUser, Depends(console_role("admin"))]
ConsoleOwnerDep = Annotated[ConsoleUser, Depends(console_role("owner"))]
ConsoleAdminPostDep = Annotated[ConsoleUser, Depends(console_role("admin", post=True))]
ConsoleOwnerPostDep = Annotated[ConsoleUser, Depends(console_role("owner", post=True))]
