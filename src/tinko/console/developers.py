"""`/console/developers`: what a developer wiring Tinko in needs — the webhook URLs to give the
PSPs, the API keys and when each was last used, the recent API calls and PSP webhooks with
their outcome (payloads on demand, for admins), and an example request to copy."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.auth.models import ApiKey
from tinko.console import words as labels
from tinko.console.access import ConsoleAdminDep, ConsoleUser, ConsoleUserDep
from tinko.console.case_page import Moments
from tinko.console.recoveries import not_found
from tinko.console.recovery_filters import decode_cursor, encode_cursor
from tinko.console.rendering import render_page
from tinko.deps import SessionDep, SettingsDep, TinkoRouter
from tinko.intake import calls
from tinko.intake.models import WebhookEndpoint

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)


@router.get("/developers")
def developers(
    request: Request, user: ConsoleUserDep, session: SessionDep, settings: SettingsDep
) -> Response:
    request.app.state.call_recorder.flush()  # the calls still buffered in this process
    q = request.query_params
    api = calls.recent_calls(session, user.org_id, "api", after=decode_cursor(q.get("api")))
    hooks = calls.recent_calls(session, user.org_id, "webhook", after=decode_cursor(q.get("hooks")))
    context = _context(session, user, api, hooks, settings.base_url)
    return render_page(request, "console/developers.html", context)


@router.get("/developers/webhooks/{delivery_id}")
def webhook_payload(
    delivery_id: str, request: Request, user: ConsoleAdminDep, session: SessionDep
) -> Response:
    delivery = calls.delivery_payload(session, user.org_id, delivery_id)
    if delivery is None:
        return not_found(request)
    when = Moments(user.language, user.org_timezone)
    payload = json.dumps(delivery.payload, indent=2, ensure_ascii=False, sort_keys=True)
    context = {"delivery": delivery, "payload": payload, "received": when(delivery.received_at)}
    return render_page(request, "console/webhook_payload.html", context)


def _context(
    session: Session, user: ConsoleUser, api: calls.CallPage, hooks: calls.CallPage, base: str
) -> dict[str, Any]:
    when = Moments(user.language, user.org_timezone)
    keys = session.scalars(
        select(ApiKey).where(ApiKey.org_id == user.org_id).order_by(ApiKey.created_at)
    ).all()
    endpoints = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.org_id == user.org_id)
        .order_by(WebhookEndpoint.created_at)
    ).all()
    key_names = {key.id: key.name for key in keys}
    return {
        "labels": labels,
        "when": when,
        "admin": user.at_least("admin"),
        "keys": keys,
        "key_names": key_names,
        "endpoints": [
            (e.psp, f"{base}/v1/webhooks/{e.psp}/{e.id}", when(e.created_at)) for e in endpoints
        ],
        "api_calls": api.rows,
        "api_next": encode_cursor(api.next_after) if api.next_after else None,
        "hooks": hooks.rows,
        "hooks_next": encode_cursor(hooks.next_after) if hooks.next_after else None,
        "example": _example(base),
    }


def _example(base: str) -> str:
    """A failure report a merchant's server sends (docs/api.md, "failure intake")."""
    body = {
        "transaction_ref": "order_1001",
        "amount": 49900,
        "currency": "INR",
        "gateway": "razorpay",
        "decline_code": "insufficient_funds",
        "payment_method_type": "upi",
        "customer": {"id": "cust_42", "email": "asha@example.in", "phone": "+919876543210"},
        "occurred_at": "2026-12-05T09:30:00+05:30",
    }
    return (
        f"curl -X POST {base}/v1/events/payment_failed \\\n"
        '  -H "X-API-Key: $TINKO_API_KEY" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        '  -H "Idempotency-Key: order_1001-failed-1" \\\n'
        f"  -d '{json.dumps(body, indent=2)}'"
    )
