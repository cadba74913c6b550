"""`/console/settings/api-keys`: the organisation's API keys (name, prefix, role, made, last
use). Everyone signed in reads the list, which never holds a key; owners make keys (the key is
in the answer to that POST only: never in an address, a redirect or a log) and revoke them after
a confirmation, as `/v1/api-keys` allows and through the same schema and services."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tinko.auth import members
from tinko.auth.identities import forget_after_commit
from tinko.auth.schemas import ApiKeyIn
from tinko.console.access import ConsoleOwnerDep, ConsoleOwnerPostDep, ConsoleUser, ConsoleUserDep
from tinko.console.case_page import Moments
from tinko.console.recoveries import not_found, plain_page
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, TinkoRouter
from tinko.errors import NotFound
from tinko.kit.pagination import PageParams
from tinko.pages.i18n import N_

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
HOME: Final = "/console/settings/api-keys"
ROLES: Final = ("viewer", "admin", "owner")
REVOKED: Final = N_("The key is revoked; calls with it are refused from now on.")
Text = Annotated[str, Form(max_length=200)]


def _keys(session: Session, user: ConsoleUser) -> list[dict[str, Any]]:
    when = Moments(user.language, user.org_timezone)
    rows = members.list_api_keys(session, user.org_id, PageParams(limit=200))
    return [
        {
            "id": r.id,
            "name": r.name,
            "role": r.role,
            "prefix": r.prefix,
            "created": when(r.created_at),
            "used": when(r.last_used_at),
            "revoked": when(r.revoked_at),
        }
        for r in rows
    ]


def _page(
    request: Request, session: Session, user: ConsoleUser, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    context = {
        "keys": _keys(session, user),
        "roles": ROLES,
        "form": {"name": "", "role": "admin"},
        "errors": {},
        "secret": None,
        "notice": REVOKED if request.query_params.get("done") == "revoked" else None,
        **extra,
    }
    return plain_page(request, "console/settings/keys.html", context, status=status)


@router.get("/settings/api-keys")
def api_keys(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return _page(request, session, user, {})


@router.post("/settings/api-keys")
def create(
    request: Request,
    user: ConsoleOwnerPostDep,
    session: SessionDep,
    clock: ClockDep,
    name: Text = "",
    role: Text = "admin",
) -> Response:
    form = {"name": name, "role": role}
    try:
        body = ApiKeyIn.model_validate(form)
    except ValidationError as refused:
        errors = {str(e["loc"][0]): e["msg"] for e in refused.errors()}
        return _page(request, session, user, {"form": form, "errors": errors}, status=422)
    key, raw = members.create_api_key(
        session, clock, user.org_id, name=body.name, role=body.role, created_by=user.user_id
    )
    secret = {"id": key.id, "name": key.name, "value": raw}  # in this answer only
    response = _page(request, session, user, {"secret": secret})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/settings/api-keys/{key_id}/revoke")
def confirm_revoke(
    request: Request, key_id: str, user: ConsoleOwnerDep, session: SessionDep
) -> Response:
    found = [k for k in _keys(session, user) if k["id"] == key_id]
    if not found:
        return not_found(request)
    return plain_page(request, "console/settings/key_revoke.html", {"key": found[0]})


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke(
    request: Request, key_id: str, user: ConsoleOwnerPostDep, session: SessionDep, clock: ClockDep
) -> Response:
    try:
        members.revoke_api_key(session, clock, user.org_id, key_id)
    except NotFound:
        return not_found(request)
    forget_after_commit(session, request.app.state.identity_cache, key_id)
    return redirect(request, f"{HOME}?done=revoked")
