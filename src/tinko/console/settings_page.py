"""`/console/settings`: the organisation's profile (name, time zone, currency, language) and its
holdout percentage. Everyone reads them; admins change them, through the same schema
(`OrgPatch`) and service (`tenancy.service.update_org`) as `PATCH /v1/auth/org`, so the console
and the API accept and refuse the same values; the change is audited by the row watcher."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tinko.auth.schemas import OrgPatch
from tinko.console.access import ConsoleAdminPostDep, ConsoleUserDep
from tinko.console.recoveries import plain_page
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, TinkoRouter
from tinko.pages.i18n import N_
from tinko.tenancy.service import get_org, update_org

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
FIELDS: Final = ("name", "timezone", "default_currency", "locale", "holdout_percent")
LOCALES: Final = ("en", "en-IN", "hi", "ta")
SAVED: Final = N_("Saved.")
Text = Annotated[str, Form(max_length=200)]


def _page(
    request: Request, session: Session, org_id: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    org = get_org(session, org_id)
    context = {
        "form": {name: str(getattr(org, name)) for name in FIELDS},
        "errors": {},
        "locales": LOCALES,
        "notice": SAVED if request.query_params.get("done") == "saved" else None,
        **extra,
    }
    return plain_page(request, "console/settings/org.html", context, status=status)


@router.get("/settings")
def settings(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    return _page(request, session, user.org_id, {})


@router.post("/settings/org")
def save_org(
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    name: Text = "",
    timezone: Text = "",
    default_currency: Text = "",
    locale: Text = "",
    holdout_percent: Text = "",
) -> Response:
    form = dict(
        zip(FIELDS, (name, timezone, default_currency, locale, holdout_percent), strict=True)
    )
    try:
        changes = _validated(form)
    except ValidationError as refused:
        errors = {str(e["loc"][0]): e["msg"] for e in refused.errors()}
        return _page(request, session, user.org_id, {"form": form, "errors": errors}, status=422)
    update_org(session, clock, user.org_id, changes)
    return redirect(request, "/console/settings?done=saved")


def _validated(form: dict[str, str]) -> dict[str, str | int]:
    """The form's values through the API's own schema (the holdout as a whole number)."""
    raw: dict[str, Any] = {k: v.strip() for k, v in form.items()}
    holdout = raw["holdout_percent"]
    raw["holdout_percent"] = int(holdout) if holdout.lstrip("-").isdigit() else holdout
    body = OrgPatch.model_validate(raw)
    changes: dict[str, str | int] = body.model_dump(exclude_none=True)
    return changes
