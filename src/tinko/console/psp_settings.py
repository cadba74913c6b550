"""Settings → Payment providers: the saved Stripe and Razorpay keys as masked hints, and
check again, replace or delete them (admin), through the services of /v1/psp-credentials
(psp.connect, psp.credentials)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.console.access import ConsoleAdminDep, ConsoleAdminPostDep, ConsoleUser
from tinko.console.rendering import redirect, render_page
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import AppError, NotFound, Unprocessable
from tinko.kit.clock import Clock
from tinko.psp import connect, credentials
from tinko.psp.registry import secret_box

router = TinkoRouter(
    prefix="/console/settings/psp", default_response_class=HTMLResponse, include_in_schema=False
)
Text = Annotated[str, Form(max_length=300)]
PATH = "/console/settings/psp"


def show(
    request: Request, session: Session, user: ConsoleUser, notice: dict[str, Any] | None = None
) -> Response:
    rows = {row.psp: row for row in credentials.list_for(session, user.org_id)}
    providers = [credentials.describe(rows.get(psp), psp) for psp in credentials.PSPS]
    shown = notice or {}
    context = {"providers": providers, "fields": credentials.FIELDS, "notice": shown}
    status = 422 if shown.get("error") else 200
    return render_page(
        request, "console/psp_settings.html", context, status=status, after_post=PATH
    )


def replace(
    request: Request,
    session: Session,
    clock: Clock,
    settings: Settings,
    user: ConsoleUser,
    psp: str,
    given: dict[str, str | None],
) -> Response:
    """As PUT /v1/psp-credentials/{psp}: checked with the PSP first, stored only if accepted."""
    try:
        keys, detail = connect.verify_new(settings, psp, given)
    except AppError as exc:
        field = exc.errors[0]["loc"][-1] if isinstance(exc, Unprocessable) and exc.errors else None
        return show(request, session, user, {"psp": psp, "error": exc.detail, "field": field})
    credentials.save(session, clock, secret_box(settings), user.org_id, keys, detail)
    return show(request, session, user, {"psp": psp, "saved": True})


@router.get("")
def psp_page(request: Request, user: ConsoleAdminDep, session: SessionDep) -> Response:
    return show(request, session, user)


@router.post("/{psp}")
def psp_replace(
    request: Request, psp: str, user: ConsoleAdminPostDep, session: SessionDep, clock: ClockDep,
    settings: SettingsDep, secret_key: Text = "", publishable_key: Text = "", key_id: Text = "",
    key_secret: Text = "",
) -> Response:  # fmt: skip
    form = {"secret_key": secret_key, "publishable_key": publishable_key, "key_id": key_id}
    given = {k: v or None for k, v in {**form, "key_secret": key_secret}.items()}
    return replace(request, session, clock, settings, user, credentials.check_psp(psp), given)


@router.post("/{psp}/verify")
def psp_verify(
    request: Request, psp: str, user: ConsoleAdminPostDep, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    reads = request.app.state.read_session_factory
    verdict = connect.recheck(session, reads, clock, settings, user.org_id, psp)
    session.flush()
    return show(request, session, user, {"psp": psp, "verdict": verdict})


@router.post("/{psp}/delete")
def psp_delete(
    request: Request, psp: str, user: ConsoleAdminPostDep, session: SessionDep
) -> Response:
    with suppress(NotFound):  # already gone: the page shows it is
        credentials.delete(session, user.org_id, credentials.check_psp(psp))
    return redirect(request, PATH)
