"""`/console/settings`: the organisation's profile (name, time zone, currency, language), its
holdout percentage and message settings (quiet hours, frequency cap, link lifetime, whose
clock). Everyone reads them; admins change them, through the same schema (`OrgPatch`) and
service (`tenancy.service.update_org`) as `PATCH /v1/auth/org`, so the console and the API
accept and refuse the same values; the change is audited by the row watcher."""

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
FIELDS: Final = (
    "name",
    "timezone",
    "default_currency",
    "locale",
    "holdout_percent",
    "quiet_start_hour",
    "quiet_end_hour",
    "frequency_cap",
    "link_ttl_hours",
    "use_customer_timezone",
)
# Whole numbers in the form; sent to OrgPatch as ints so its ranges, not a parse error, refuse.
NUMBERS: Final = FIELDS[4:9]
LOCALES: Final = ("en", "en-IN", "hi", "ta")
SAVED: Final = N_("Saved.")
Text = Annotated[str, Form(max_length=200)]


def _page(
    request: Request, session: Session, org_id: str, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    org = get_org(session, org_id)
    context = {
        "form": {name: _shown(getattr(org, name)) for name in FIELDS},
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
    quiet_start_hour: Text = "",
    quiet_end_hour: Text = "",
    frequency_cap: Text = "",
    link_ttl_hours: Text = "",
    use_customer_timezone: Text = "",
) -> Response:
    profile = (name, timezone, default_currency, locale, holdout_percent)
    messages = (quiet_start_hour, quiet_end_hour, frequency_cap, link_ttl_hours)
    form = dict(zip(FIELDS, (*profile, *messages, use_customer_timezone), strict=True))
    try:
        changes = _validated(form)
    except ValidationError as refused:
        errors = {str(e["loc"][0]): e["msg"] for e in refused.errors()}
        return _page(request, session, user.org_id, {"form": form, "errors": errors}, status=422)
    update_org(session, clock, user.org_id, changes)
    return redirect(request, "/console/settings?done=saved")


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _validated(form: dict[str, str]) -> dict[str, str | int]:
    """The form's values through the API's own schema (numbers as whole numbers)."""
    raw: dict[str, Any] = {k: v.strip() for k, v in form.items()}
    for key in NUMBERS:
        raw[key] = int(raw[key]) if raw[key].lstrip("-").isdigit() else raw[key]
    # A select, not a checkbox: an absent or empty value leaves the setting as it is.
    raw["use_customer_timezone"] = {"yes": True, "no": False}.get(
        raw["use_customer_timezone"], raw["use_customer_timezone"]
    )
    # A message field left out of the form (or emptied) is not changed.
    raw = {k: v for k, v in raw.items() if v != "" or k in FIELDS[:5]}
    body = OrgPatch.model_validate(raw)
    changes: dict[str, str | int] = body.model_dump(exclude_none=True)
    return changes
