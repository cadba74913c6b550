"""`/console/settings/users`: the organisation's people and their roles. Everyone signed in
reads the list; owners invite, change roles and remove, as `/v1/users` allows, through the same
schemas (`InviteIn`, `RolePatch`) and services (`auth.members`), so the console and the API
accept and refuse the same things: the last owner stays (the service's 409, shown on the page)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tinko.auth import members
from tinko.auth.identities import forget_after_commit
from tinko.auth.schemas import InviteIn, RolePatch
from tinko.console.access import ConsoleOwnerPostDep, ConsoleUser, ConsoleUserDep
from tinko.console.case_page import Moments
from tinko.console.recoveries import not_found, plain_page
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import Conflict, NotFound
from tinko.kit.pagination import PageParams
from tinko.pages.i18n import N_

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
HOME: Final = "/console/settings/users"
ROLES: Final = ("viewer", "admin", "owner")
NOTICES: Final = {
    "invited": N_("The invitation is on its way."),
    "changed": N_("The role is changed."),
    "removed": N_("The person was removed; their sessions have ended."),
}
LAST_OWNER: Final = N_("An organisation must keep at least one owner; promote someone else first.")
Text = Annotated[str, Form(max_length=320)]


def _page(
    request: Request, session: Session, user: ConsoleUser, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    when = Moments(user.language, user.org_timezone)
    rows = members.list_users(session, user.org_id, PageParams(limit=200))
    people = [
        {
            "id": r.id,
            "email": r.email,
            "name": r.name,
            "role": r.role,
            "status": r.status,
            "created": when(r.created_at),
        }
        for r in rows
    ]
    context = {
        "people": people,
        "roles": ROLES,
        "form": {"email": "", "role": "viewer", "name": ""},
        "errors": {},
        "problem": None,
        "problem_for": None,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        **extra,
    }
    return plain_page(request, "console/settings/users.html", context, status=status)


@router.get("/settings/users")
def users(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return _page(request, session, user, {})


@router.post("/settings/users")
def invite(
    request: Request,
    user: ConsoleOwnerPostDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    email: Text = "",
    role: Text = "viewer",
    name: Text = "",
) -> Response:
    form = {"email": email.strip(), "role": role, "name": name}
    try:
        body = InviteIn.model_validate(form)
        members.invite_user(session, clock, settings, user.org_id, **body.model_dump())
    except ValidationError as refused:
        errors = {str(e["loc"][0]): e["msg"] for e in refused.errors()}
        return _page(request, session, user, {"form": form, "errors": errors}, status=422)
    except Conflict as refused:
        errors = {"email": refused.detail}
        return _page(request, session, user, {"form": form, "errors": errors}, status=409)
    return redirect(request, f"{HOME}?done=invited")


@router.post("/settings/users/{user_id}/role")
def change_role(
    request: Request,
    user_id: str,
    user: ConsoleOwnerPostDep,
    session: SessionDep,
    clock: ClockDep,
    role: Text = "",
) -> Response:
    try:
        body = RolePatch.model_validate({"role": role})
        members.change_role(session, clock, user.org_id, user_id, body.role)
    except ValidationError:
        return _refused(request, session, user, user_id, N_("Choose viewer, admin or owner."), 422)
    except NotFound:
        return not_found(request)
    except Conflict:
        return _refused(request, session, user, user_id, LAST_OWNER, 409)
    forget_after_commit(session, request.app.state.identity_cache, user_id)
    return redirect(request, f"{HOME}?done=changed")


@router.post("/settings/users/{user_id}/remove")
def remove(
    request: Request, user_id: str, user: ConsoleOwnerPostDep, session: SessionDep
) -> Response:
    try:
        members.remove_user(session, user.org_id, user_id)
    except NotFound:
        return not_found(request)
    except Conflict:
        return _refused(request, session, user, user_id, LAST_OWNER, 409)
    forget_after_commit(session, request.app.state.identity_cache, user_id)
    return redirect(request, f"{HOME}?done=removed")


def _refused(
    request: Request, session: Session, user: ConsoleUser, user_id: str, problem: str, status: int
) -> HTMLResponse:
    """The list again, with the refusal beside the person it is about."""
    extra = {"problem": problem, "problem_for": user_id}
    return _page(request, session, user, extra, status=status)
