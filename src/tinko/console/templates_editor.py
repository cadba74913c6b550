"""`/console/templates`: message templates per channel and language, and an editor with a live
preview (sample data or a real case), errors at their line, versions, the SMS length and
segments, and WhatsApp's template id and variables (docs/console.md). Everyone signed in may
read and preview (as `POST /v1/templates/{id}/preview` allows viewers); only admins save."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from tinko.console import templates_editor_page as page
from tinko.console.access import ConsoleAdminPostDep, ConsolePostDep, ConsoleUserDep
from tinko.console.recoveries import not_found, plain_page
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, TinkoRouter
from tinko.errors import NotFound
from tinko.notify import copy
from tinko.notify.contacts import CHANNELS

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
EDIT = "console/templates/edit.html"


async def _posted(request: Request) -> Any:
    return await request.form()  # cached by Starlette: the CSRF check read it already


PostedForm = Annotated[Any, Depends(_posted)]


@router.get("/templates")
def templates(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    cells = page.grid(session, user.org_id)
    context = {"cells": cells, "channels": CHANNELS, "languages": copy.LOCALES}
    return plain_page(request, "console/templates/list.html", context)


@router.get("/templates/{template_id}")
def edit_template(
    template_id: str, request: Request, user: ConsoleUserDep, session: SessionDep, clock: ClockDep
) -> Response:
    version = request.query_params.get("version", "")
    number = int(version) if version.isdigit() else None
    try:
        editor = page.open_editor(session, user.org_id, template_id[:60], number)
    except NotFound:
        return not_found(request)
    page.preview(session, clock, user, editor)
    context = {**page.editor_context(editor, user), "saved": request.query_params.get("saved")}
    return plain_page(request, EDIT, context)


@router.post("/templates/{template_id}/preview")
def preview_template(
    template_id: str,
    request: Request,
    user: ConsolePostDep,
    session: SessionDep,
    clock: ClockDep,
    data: PostedForm,
) -> Response:
    editor = page.open_editor(session, user.org_id, template_id[:60], None)
    page.read_form(data, editor)
    page.preview(session, clock, user, editor)
    context = {**page.editor_context(editor, user), "saved": None}
    return plain_page(request, EDIT, context, status=editor.status)


@router.post("/templates/{template_id}/save")
def save_template(
    template_id: str,
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    data: PostedForm,
) -> Response:
    editor = page.open_editor(session, user.org_id, template_id[:60], None)
    page.read_form(data, editor)
    target = page.save(session, clock, user, editor)
    if target is not None:
        return redirect(request, target)
    context = {**page.editor_context(editor, user), "saved": None}
    return plain_page(request, EDIT, context, status=editor.status)
