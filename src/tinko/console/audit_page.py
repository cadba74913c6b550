"""`/console/audit`: the organisation's audit log (docs/audit.md) for admins — filters by actor,
action, target and days, pages by sequence number, each event's before/after (secrets are
masked when written), the chain's verification on demand, and the export and signed
checkpoints to keep, through the same `tinko.audit.service` functions as `/v1/audit`."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.audit import service
from tinko.audit.signing import Signer
from tinko.auth.models import User
from tinko.console.access import ConsoleAdminDep, ConsoleUser
from tinko.console.case_page import Moments
from tinko.console.recoveries import plain_page
from tinko.console.rendering import HEADERS
from tinko.db import unit_of_work
from tinko.deps import SessionDep, TinkoRouter, record_apart
from tinko.pages.i18n import N_, zone

router = TinkoRouter(
    prefix="/console", default_response_class=HTMLResponse, include_in_schema=False
)
PAGE_SIZE: Final = 25
TEXT_FILTERS: Final = ("actor", "action", "target")
BAD_DAY: Final = N_("Enter a date as YYYY-MM-DD.")


def _signer(request: Request) -> Signer:
    signer: Signer = request.app.state.audit_signer
    return signer


@router.get("/audit")
def audit(request: Request, user: ConsoleAdminDep, session: SessionDep) -> Response:
    values, filters, errors = _filters(request.query_params, user.org_timezone)
    cursor = request.query_params.get("cursor", "")
    before = int(cursor) if cursor.isdigit() else None
    rows = service.list_events(session, user.org_id, filters, before, PAGE_SIZE)
    shown = rows[:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    verdict = None
    if request.query_params.get("verify") == "1":
        verdict = service.verify_org(session, _signer(request).public_keys(), user.org_id)
    context = {
        "values": values,
        "errors": errors,
        "events": _events(session, user, shown),
        "next_href": "?" + urlencode({**values, "cursor": shown[-1].seq}) if more else None,
        "first_href": "?" + urlencode(values) if before is not None else None,
        "verdict": verdict.as_dict() if verdict else None,
        "retention_days": service.retention_days(session, user.org_id),
    }
    return plain_page(request, "console/audit/list.html", context)


def _filters(params: Any, timezone: str) -> tuple[dict[str, str], service.Filters, dict[str, str]]:
    values = {n: (params.get(n) or "").strip()[:120] for n in (*TEXT_FILTERS, "from", "to")}
    values = {k: v for k, v in values.items() if v}
    errors: dict[str, str] = {}
    days: dict[str, datetime | None] = {"from": None, "to": None}
    for name in days:
        if name in values:
            try:
                day = date.fromisoformat(values[name]) + timedelta(days=name == "to")
                days[name] = datetime.combine(day, time(), zone(timezone))
            except ValueError:
                errors[name] = BAD_DAY
    text = {n: values.get(n) for n in TEXT_FILTERS}
    found = service.Filters(text["actor"], text["action"], text["target"], days["from"], days["to"])
    return values, found, errors


def _events(session: Session, user: ConsoleUser, rows: list[Any]) -> list[dict[str, Any]]:
    when = Moments(user.language, user.org_timezone)
    found = session.execute(select(User.id, User.email).where(User.org_id == user.org_id))
    people = {row.id: row.email for row in found}
    return [
        {
            "seq": row.seq,
            "at": when(row.at),
            "actor_kind": row.actor_kind,
            "actor": people.get(row.actor_id) or row.actor_id,
            "action": row.action,
            "targets": [f"{t.get('kind')} {t.get('id') or ''}".strip() for t in row.targets or []],
            "outcome": row.outcome,
            "ip": row.ip,
            "diff": diff(row.changes),
            "other": None if diff(row.changes) or not row.changes else _json(row.changes),
        }
        for row in rows
    ]


def diff(changes: Any) -> list[tuple[str, str, str]]:
    """(field, before, after) for a row change; empty for events of another shape."""
    if not isinstance(changes, dict) or not ({"before", "after"} & changes.keys()):
        return []
    before, after = changes.get("before") or {}, changes.get("after") or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    names = sorted(set(before) | set(after))
    return [(n, _json(before.get(n, "-")), _json(after.get(n, "-"))) for n in names]


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@router.get("/audit/export.jsonl")
def export(request: Request, user: ConsoleAdminDep) -> StreamingResponse:
    """The same lines as `GET /v1/audit/export.jsonl`; recorded as a sensitive read."""
    record_apart(request, user.org_id, "audit.exported", [("route", "/console/audit/export.jsonl")])
    headers = {**HEADERS, "Content-Disposition": 'attachment; filename="audit.jsonl"'}
    stream = _stream(request, _signer(request), user.org_id)
    return StreamingResponse(stream, media_type="application/x-ndjson", headers=headers)


def _stream(request: Request, signer: Signer, org_id: str) -> Any:
    with unit_of_work(request.app.state.read_session_factory) as session:
        yield from service.export_lines(session, signer, org_id)


@router.get("/audit/checkpoints.json")
def checkpoints(request: Request, user: ConsoleAdminDep, session: SessionDep) -> Response:
    """The public key and every signed checkpoint, to keep beside the export."""
    rows = service.checkpoints(session, user.org_id)
    body = {"key": _signer(request).describe(), "data": [service.checkpoint_dict(r) for r in rows]}
    headers = {**HEADERS, "Content-Disposition": 'attachment; filename="checkpoints.json"'}
    return JSONResponse(body, headers=headers)
