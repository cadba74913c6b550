"""`/console/messages`: the delivery log — every message to a customer, its channel, what
became of it and what the provider said — filtered by status and channel, newest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from tinko.console import words as labels
from tinko.console.access import ConsoleUserDep
from tinko.console.case_page import Moments
from tinko.console.recovery_filters import BAD_CHOICE, decode_cursor, encode_cursor
from tinko.console.rendering import render_page
from tinko.deps import SessionDep, TinkoRouter
from tinko.notify.log import CHANNELS, STATUSES, delivery_log
from tinko.recovery.views import mask_contact

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)


@router.get("/messages")
def messages(request: Request, user: ConsoleUserDep, session: SessionDep) -> Response:
    values, chosen, errors = _filters(request.query_params)
    after = decode_cursor(request.query_params.get("after"))
    page = delivery_log(
        session, user.org_id, status=chosen["status"], channel=chosen["channel"], after=after
    )
    context = _context(values, errors, page, Moments(user.language, user.org_timezone))
    context["first_href"] = "?" + urlencode(values) if after else None
    return render_page(request, "console/messages.html", context)


def _filters(params: Any) -> tuple[dict[str, str], dict[str, str | None], dict[str, str]]:
    values = {name: (params.get(name) or "").strip()[:20] for name in ("status", "channel")}
    values = {k: v for k, v in values.items() if v}
    errors, chosen = {}, {}
    for name, allowed in (("status", STATUSES), ("channel", CHANNELS)):
        value = values.get(name) or None
        if value is not None and value not in allowed:
            errors[name], value = BAD_CHOICE, None
        chosen[name] = value
    return values, chosen, errors


def _context(
    values: dict[str, str], errors: dict[str, str], page: Any, when: Moments
) -> dict[str, Any]:
    rows = [
        {
            "id": m.id,
            "created": when(m.created_at),
            "sent": when(m.sent_at),
            "channel": m.channel,
            "recipient": mask_contact(m.recipient),
            "kind": m.kind,
            "status": m.status,
            "provider_id": m.provider_message_id,
            "error": m.error,
            "tries": m.tries,
            "case_id": m.case_id,
            "locale": m.locale,
        }
        for m in page.rows
    ]
    next_href = (
        "?" + urlencode({**values, "after": encode_cursor(page.next_after)})
        if page.next_after
        else None
    )
    return {
        "values": values,
        "errors": errors,
        "rows": rows,
        "by_status": page.by_status,
        "statuses": STATUSES,
        "channels": CHANNELS,
        "labels": labels,
        "next_href": next_href,
    }
