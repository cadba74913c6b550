"""`/console/recoveries`: the list (filters, search, pages, counts) and the case page, with the
admin's actions — retry now, cancel, send a new link — each behind a confirmation page and
CSRF, through the same services as the API (recovery.manual, recovery.outreach)."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tinko.classifier.model import CATEGORIES
from tinko.config import Settings
from tinko.console import case_page
from tinko.console import words as labels
from tinko.console.access import ConsoleAdminDep, ConsoleAdminPostDep, ConsoleUser, ConsoleUserDep
from tinko.console.recovery_filters import encode_cursor, parse
from tinko.console.rendering import redirect, render_page
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import Conflict, NotFound
from tinko.kit.clock import Clock
from tinko.payments.models import Transaction
from tinko.recovery import engine, manual, outreach
from tinko.recovery.models import PAYABLE_STATUSES
from tinko.recovery.search import GATEWAYS, RAILS, distinct_values, find_cases
from tinko.recovery.statuses import CaseStatus
from tinko.tenancy.models import Organization

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
Channel = Annotated[str, Form(max_length=16)]
DONE: Final = ("retry", "cancel", "link", "link_skipped")


def not_found(request: Request) -> HTMLResponse:
    return render_page(request, "console/problem.html", {"kind": "not_found"}, status=404)


@router.get("/recoveries")
def recoveries(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    org = session.get_one(Organization, user.org_id)
    filters = parse(
        request.query_params, timezone=org.timezone, default_currency=org.default_currency
    )
    page = find_cases(session, user.org_id, filters.query, after=filters.after)
    return render_page(
        request, "console/recoveries.html", _list_context(request, filters, page, session, user)
    )


def _list_context(
    request: Request, filters: Any, page: Any, session: Session, user: ConsoleUser
) -> dict[str, Any]:
    kept = {k: v for k, v in filters.values.items() if v}
    status_links = [
        (status, page.by_status.get(status, 0), "?" + urlencode({**kept, "status": status}))
        for status in CaseStatus
    ]
    next_href = None
    if page.next_after:
        next_href = "?" + urlencode({**kept, "after": encode_cursor(page.next_after)})
    return {
        "filters": filters,
        "page": page,
        "labels": labels,
        "choices": {
            "status": list(CaseStatus),
            "category": CATEGORIES,
            "rail": RAILS,
            "gateway": GATEWAYS,
            "currency": distinct_values(session, user.org_id)["currency"],
        },
        "status_links": status_links,
        "all_href": "?" + urlencode({k: v for k, v in kept.items() if k != "status"}),
        "next_href": next_href,
        "first_href": "?" + urlencode(kept) if filters.after else None,
        "any_cases": sum(page.by_status.values()) > 0 or filters.active,
        "when": case_page.Moments(user.language, user.org_timezone),
    }


@router.get("/recoveries/{case_id}")
def recovery_case(
    case_id: str, request: Request, user: ConsoleUserDep, session: SessionDep
) -> Response:
    try:
        view = case_page.build(
            session, user.org_id, case_id, language=user.language, timezone=user.org_timezone
        )
    except NotFound:
        return not_found(request)
    done = request.query_params.get("done")
    context = {
        "view": view,
        "labels": labels,
        "done": done if done in DONE else None,
        "when": case_page.Moments(user.language, user.org_timezone),
    }
    return render_page(request, "console/case.html", context)


@router.get("/recoveries/{case_id}/confirm/{action}")
def confirm_action(
    case_id: str, action: str, request: Request, user: ConsoleAdminDep, session: SessionDep
) -> Response:
    if action not in case_page.ACTIONS:
        return not_found(request)
    return _confirm_page(request, session, user, case_id, action, None)


def _confirm_page(
    request: Request,
    session: Session,
    user: ConsoleUser,
    case_id: str,
    action: str,
    error: str | None,
) -> HTMLResponse:
    try:
        case = engine.get_case(session, user.org_id, case_id)
    except NotFound:
        return not_found(request)
    transaction = session.get_one(Transaction, case.transaction_id)
    context = {
        "case": case,
        "transaction": transaction,
        "action": action,
        "error": error,
        "labels": labels,
    }
    return render_page(request, "console/confirm.html", context, status=409 if error else 200)


@router.post("/recoveries/{case_id}/retry")
def retry_now(
    case_id: str, request: Request, user: ConsoleAdminPostDep, session: SessionDep, clock: ClockDep
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        "retry",
        lambda: manual.retry_now(session, clock, user.org_id, case_id),
    )


@router.post("/recoveries/{case_id}/cancel")
def cancel(
    case_id: str, request: Request, user: ConsoleAdminPostDep, session: SessionDep, clock: ClockDep
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        "cancel",
        lambda: manual.cancel(session, clock, user.org_id, case_id),
    )


@router.post("/recoveries/{case_id}/link")
def new_link(
    case_id: str,
    request: Request,
    user: ConsoleAdminPostDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    channel: Channel = "",
) -> Response:
    def send() -> str:
        return _send_link(session, clock, settings, user.org_id, case_id, channel or None)

    return _act(request, session, user, case_id, "link", send)


def _send_link(
    session: Session,
    clock: Clock,
    settings: Settings,
    org_id: str,
    case_id: str,
    channel: str | None,
) -> str:
    """The API's `…/link` service; "link_skipped" when the message could not be sent."""
    case = engine.get_case(session, org_id, case_id)
    if channel not in labels.CHANNELS:
        channel = None
    if case.status not in PAYABLE_STATUSES:
        raise Conflict(f"This recovery is {case.status}; a payment link would not help.")
    transaction = session.get_one(Transaction, case.transaction_id)
    sent = outreach.send_new_link(
        session, clock, settings, case=case, transaction=transaction, channel=channel
    )
    return "link_skipped" if channel and sent.message_id is None else "link"


def _act(
    request: Request, session: Session, user: ConsoleUser, case_id: str, action: str, run: Any
) -> Response:
    """Run the service; back to the case page with a notice, or the confirmation page again
    with the service's reason (409); 404 for an unknown or another organisation's case."""
    try:
        result = run()
    except NotFound:
        return not_found(request)
    except Conflict as refused:
        session.rollback()
        return _confirm_page(request, session, user, case_id, action, refused.detail)
    done = result if isinstance(result, str) else action
    return redirect(request, f"/console/recoveries/{case_id}?done={done}")
