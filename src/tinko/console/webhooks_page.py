"""`/console/webhooks`: the merchant's own webhook endpoints (docs/merchant-webhooks.md) — list,
create (the secret shown once), rotate (the new secret shown once; the old one signs beside it
for a day), delete, enable — and each endpoint's delivery log with replay. Admin-only, like
`/v1/merchant-webhooks`, and through the same service functions."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AnyHttpUrl, TypeAdapter, ValidationError

from tinko.console.access import ConsoleAdminDep, ConsoleAdminPostDep, ConsoleUser
from tinko.console.case_page import Moments
from tinko.console.recoveries import not_found, plain_page
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import NotFound, Unprocessable
from tinko.kit.pagination import PageParams, next_cursor
from tinko.kit.secretbox import SecretBox
from tinko.merchant_webhooks import service
from tinko.merchant_webhooks.models import MerchantWebhookEndpoint
from tinko.pages.i18n import N_

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
HOME: Final = "/console/webhooks"
NOTICES: Final = {
    "deleted": N_("The endpoint was deleted; nothing more is sent to it."),
    "enabled": N_("The endpoint is enabled again."),
    "replayed": N_("The delivery is being sent again."),
}
_URL = TypeAdapter(AnyHttpUrl)
Url = Annotated[str, Form(max_length=2000)]
Events = Annotated[list[str], Form()]


def _box(request: Request) -> SecretBox:
    box: SecretBox = request.app.state.secret_box
    return box


def _listing(
    request: Request, session: Any, user: ConsoleUser, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    rows = service.list_endpoints(session, user.org_id, PageParams(limit=200))
    when = Moments(user.language, user.org_timezone)
    context = {
        "endpoints": [_endpoint(row, when) for row in rows[:200]],
        "event_types": service.EVENT_TYPES,
        "form": {"url": "", "events": []},
        "errors": {},
        "secret": None,
        "notice": NOTICES.get(request.query_params.get("done", "")),
        **extra,
    }
    return plain_page(request, "console/webhooks/list.html", context, status=status)


def _endpoint(row: MerchantWebhookEndpoint, when: Moments) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "events": row.events,
        "status": row.status,
        "created": when(row.created_at),
        "disabled": when(row.disabled_at),
        "overlap_until": when(row.previous_valid_until),
    }


@router.get("/webhooks")
def webhooks(request: Request, user: ConsoleAdminDep, session: SessionDep) -> Response:
    return _listing(request, session, user, {})


@router.post("/webhooks")
def create(
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    url: Url = "",
    events: Events = [],  # noqa: B006 - FastAPI copies form defaults
) -> Response:
    form = {"url": url.strip(), "events": events}
    try:
        fields = {"url": str(_URL.validate_python(form["url"])), "events": events}
        private = settings.env != "prod"  # as the API: dev and tests send to local receivers
        made = service.create_endpoint(session, clock, _box(request), user.org_id, fields, private)
    except (ValidationError, Unprocessable) as refused:
        errors = _errors(refused)
        return _listing(request, session, user, {"form": form, "errors": errors}, status=422)
    secret = {"id": made.endpoint.id, "value": made.secret, "rotated": False}
    return _listing(request, session, user, {"secret": secret})


def _errors(refused: ValidationError | Unprocessable) -> dict[str, str]:
    """The field each refusal belongs to, with the service's own words (English, as the API's)."""
    if isinstance(refused, ValidationError):
        return {"url": "must be an http:// or https:// URL with a host"}
    where = (refused.errors or [{}])[0].get("loc", ["", "url"])[-1]
    return {str(where): refused.detail.removeprefix("url ")}


@router.post("/webhooks/{endpoint_id}/rotate")
def rotate(
    request: Request,
    endpoint_id: str,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        made = service.rotate_secret(session, clock, _box(request), user.org_id, endpoint_id)
    except NotFound:
        return not_found(request)
    secret = {"id": made.endpoint.id, "value": made.secret, "rotated": True}
    return _listing(request, session, user, {"secret": secret})


@router.post("/webhooks/{endpoint_id}/delete")
def delete(
    request: Request,
    endpoint_id: str,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        service.delete_endpoint(session, clock, user.org_id, endpoint_id)
    except NotFound:
        return not_found(request)
    return redirect(request, f"{HOME}?done=deleted")


@router.post("/webhooks/{endpoint_id}/enable")
def enable(
    request: Request,
    endpoint_id: str,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        service.enable(session, clock, user.org_id, endpoint_id)
    except NotFound:
        return not_found(request)
    return redirect(request, f"{HOME}?done=enabled")


@router.get("/webhooks/{endpoint_id}")
def deliveries(
    request: Request, endpoint_id: str, user: ConsoleAdminDep, session: SessionDep
) -> Response:
    after = request.query_params.get("after") or None
    params = PageParams(limit=25, after_id=after[:40] if after else None)
    try:
        endpoint = service.get_endpoint(session, user.org_id, endpoint_id)
        rows = service.list_deliveries(session, user.org_id, endpoint_id, params)
    except NotFound:
        return not_found(request)
    shown = rows[: params.limit]
    tries = service.attempts_of(session, user.org_id, [row.id for row in shown])
    when = Moments(user.language, user.org_timezone)
    context = {
        "endpoint": _endpoint(endpoint, when),
        "rows": [_delivery(row, tries.get(row.id, []), when) for row in shown],
        "next_after": shown[-1].id if next_cursor(rows, params) else None,
        "first": after is not None,
        "notice": NOTICES.get(request.query_params.get("done", "")),
    }
    return plain_page(request, "console/webhooks/deliveries.html", context)


def _delivery(row: Any, tries: list[Any], when: Moments) -> dict[str, Any]:
    return {
        "id": row.id,
        "event_type": row.event_type,
        "status": row.status,
        "created": when(row.created_at),
        "next_retry": when(row.next_attempt_at) if row.status == "pending" else None,
        "tries": [
            {
                "number": number,
                "at": when(t.at),
                "status_code": t.status_code,
                "error": t.error,
                "latency_ms": t.latency_ms,
                "excerpt": (t.response_excerpt or "")[:200],
            }
            for number, t in enumerate(tries, start=1)
        ],
    }


@router.post("/webhooks/deliveries/{delivery_id}/replay")
def replay(
    request: Request,
    delivery_id: str,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    try:
        delivery = service.replay(session, clock, user.org_id, delivery_id)
    except NotFound:
        return not_found(request)
    return redirect(request, f"{HOME}/{delivery.endpoint_id}?done=replayed")
