"""`/console/policies`: the retry policies, and an editor with a schedule picker, a preview of
the next attempts and a backtest against the active policy before activation (docs/console.md).
Viewers read; admins change (checked here, on the server; the pages only mirror it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response

from tinko.console import policies_page as page
from tinko.console.access import ConsoleAdminPostDep, ConsoleUserDep
from tinko.console.recoveries import not_found, plain_page
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import NotFound

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)


async def _posted(request: Request) -> Any:
    return await request.form()  # cached by Starlette: the CSRF check read it already


PostedForm = Annotated[Any, Depends(_posted)]


@router.get("/policies")
def policies(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    context = page.list_context(session, user)
    context["activated"] = request.query_params.get("activated")
    return plain_page(request, "console/policies/list.html", context)


@router.get("/policies/{policy_id}")
def edit_policy(
    policy_id: str, request: Request, user: ConsoleUserDep, session: SessionDep
) -> Response:
    try:
        editor = page.open_editor(session, user, policy_id[:40])
    except NotFound:
        return not_found(request)
    context = page.editor_context(editor, user)
    context["saved"] = request.query_params.get("saved") == "1"
    return plain_page(request, "console/policies/edit.html", context)


@router.post("/policies/edit")
def submit_policy(
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    data: PostedForm,
) -> Response:
    outcome = page.submitted(session, clock, settings.secret_key, user, data)
    if isinstance(outcome, str):
        return redirect(request, outcome)
    context = {**page.editor_context(outcome, user), "saved": False}
    return plain_page(request, "console/policies/edit.html", context, status=outcome.status)
