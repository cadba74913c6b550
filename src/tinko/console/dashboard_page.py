"""The dashboard page and its auto-refreshed fragment, and saving the auto-refresh choice."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from babel.dates import format_time
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import update
from sqlalchemy.orm import Session

from tinko.auth.models import User
from tinko.console import dashboard
from tinko.console.access import ConsoleUser, safe_next
from tinko.console.dashboard import REFRESH_CHOICES, Asked
from tinko.console.rendering import redirect, render_page
from tinko.kit.clock import Clock
from tinko.pages.i18n import N_, zone
from tinko.tenancy.models import Organization

PERIOD_CHOICES: Final = (
    ("7d", N_("7 days")),
    ("30d", N_("30 days")),
    ("90d", N_("90 days")),
)


def asked_of(request: Request) -> Asked:
    q = request.query_params
    return Asked(
        q.get("period", "")[:10],
        q.get("from", "")[:10],
        q.get("to", "")[:10],
        q.get("currency", "")[:3],
    )


def show(request: Request, user: ConsoleUser, clock: Clock, *, fragment: bool) -> Response:
    asked = asked_of(request)
    factory = request.app.state.read_session_factory  # analytics only reads
    with factory() as reader:
        org = reader.get_one(Organization, user.org_id)
        reader.expunge(org)
    built = dashboard.build(factory, clock, org, asked)
    query = {
        k: v
        for k, v in request.query_params.items()
        if k in ("period", "from", "to", "currency") and v
    }
    suffix = f"?{urlencode(query)}" if query else ""
    updated = format_time(
        clock.now(), "short", tzinfo=zone(built.period.timezone), locale=f"{user.language}_IN"
    )
    context = {
        "d": built,
        "asked": asked,
        "period_choices": PERIOD_CHOICES,
        "refresh_choices": REFRESH_CHOICES,
        "data_url": f"/console/dashboard/data{suffix}",
        "back": f"/console/{suffix}",
        "updated": updated,
    }
    template = "console/dashboard_data.html" if fragment else "console/dashboard.html"
    return render_page(request, template, context)


def save_refresh(
    request: Request, session: Session, user: ConsoleUser, seconds: str, back: str
) -> Response:
    chosen = int(seconds) if seconds.isdigit() and int(seconds) in REFRESH_CHOICES else 0
    session.execute(
        update(User)
        .where(User.org_id == user.org_id, User.id == user.user_id)
        .values(console_refresh=chosen)
    )
    return redirect(request, safe_next(back))
