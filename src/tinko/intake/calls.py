"""The inbound call log: what merchants' servers (API keys) and PSPs (webhooks) sent us.

A middleware notes one row per call that an API key or a webhook endpoint tied to an
organisation: method, the route's template (never the filled-in path or query, which can carry
a reference or an email), status, time, the key or endpoint, and for webhooks the outcome
(accepted, duplicate, rejected, bad signature). No bodies; a webhook's payload stays in the
inbox (`WebhookDelivery`), shown on demand.

Rows are buffered in memory and written in batches in their own unit of work: one more write
per intake call would halve what SQLite's single writer can take (docs/decisions/0009). The
developer page flushes before it reads. `intake.prune_calls` deletes rows older than KEEP.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinko.db import unit_of_work
from tinko.intake.models import InboundCall, WebhookDelivery, WebhookEndpoint
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id

KEEP: Final = timedelta(days=14)
FLUSH_ROWS: Final = 200
FLUSH_SECONDS: Final = 2.0
OUTCOMES: Final = ("accepted", "duplicate", "rejected", "bad_signature", "error")
# Keys of the request's state (`request.state.<key>`) the routes and dependencies fill in.
STATE_API_KEY: Final = "api_key_id"
STATE_ENDPOINT: Final = "webhook_endpoint_id"
STATE_OUTCOME: Final = "webhook_outcome"
STATE_DELIVERY: Final = "webhook_delivery_id"


class CallRecorder:
    """A buffer of call rows, written in batches; safe to use from several threads."""

    def __init__(
        self, session_factory: sessionmaker[Session], clock: Clock, monotonic: Callable[[], float]
    ) -> None:
        self._factory = session_factory
        self._clock = clock
        self._monotonic = monotonic
        self._rows: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._last_flush = monotonic()

    def add(self, row: dict[str, Any]) -> bool:
        """Buffer one row; True when the buffer is due to be written."""
        with self._lock:
            self._rows.append({"id": new_id("cal"), "at": self._clock.now(), **row})
            full = len(self._rows) >= FLUSH_ROWS
            return full or self._monotonic() - self._last_flush >= FLUSH_SECONDS

    def flush(self) -> int:
        """Write what is buffered; the number of rows written."""
        with self._lock:
            rows, self._rows = self._rows, []
            self._last_flush = self._monotonic()
        if rows:
            with unit_of_work(self._factory) as session:
                session.execute(insert(InboundCall), rows)
        return len(rows)


class CallLogMiddleware:
    """Records the calls a dependency or route tied to an organisation (see module doc)."""

    def __init__(self, app: ASGIApp, recorder: CallRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, note_status)
        finally:
            row = _row_of(scope, status, started)
            if row is not None and self.recorder.add(row):
                await run_in_threadpool(self.recorder.flush)


def _row_of(scope: Scope, status: int, started: float) -> dict[str, Any] | None:
    state = scope.get("state") or {}
    org_id = state.get("org_id")
    key_id, endpoint_id = state.get(STATE_API_KEY), state.get(STATE_ENDPOINT)
    if org_id is None or (key_id is None and endpoint_id is None):
        return None
    route = scope.get("route")
    outcome = state.get(STATE_OUTCOME) if endpoint_id else None
    if endpoint_id and outcome is None:
        outcome = "error"
    return {
        "org_id": org_id,
        "kind": "webhook" if endpoint_id else "api",
        "method": scope["method"][:8],
        "path": str(getattr(route, "path", "?"))[:200],
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000),
        "api_key_id": key_id,
        "endpoint_id": endpoint_id,
        "outcome": outcome,
        "delivery_id": state.get(STATE_DELIVERY),
    }


def note_endpoint(request: Request, session: Session, psp: str, endpoint_id: str) -> None:
    """Tie a webhook call to its endpoint's organisation (an unknown endpoint is not logged)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is not None and endpoint.psp == psp:
        request.state.org_id = endpoint.org_id
        setattr(request.state, STATE_ENDPOINT, endpoint.id)


def note_outcome(request: Request, outcome: str) -> None:
    setattr(request.state, STATE_OUTCOME, outcome)


def note_receipt(
    request: Request, new: bool, rejected: str | None, delivery_id: str | None
) -> None:
    outcome = "rejected" if rejected else "accepted" if new else "duplicate"
    note_outcome(request, outcome)
    setattr(request.state, STATE_DELIVERY, delivery_id)


@dataclass(frozen=True)
class CallPage:
    rows: list[InboundCall]
    next_after: str | None


def recent_calls(
    session: Session, org_id: str, kind: str, *, after: str | None = None, limit: int = 25
) -> CallPage:
    """The organisation's calls of one kind (`api` or `webhook`), newest first."""
    statement = select(InboundCall).where(InboundCall.org_id == org_id, InboundCall.kind == kind)
    if after is not None:
        statement = statement.where(InboundCall.id < after)
    rows = list(session.scalars(statement.order_by(InboundCall.id.desc()).limit(limit + 1)))
    return CallPage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None)


def delivery_payload(session: Session, org_id: str, delivery_id: str) -> WebhookDelivery | None:
    """A stored webhook delivery of this organisation (its payload, on demand)."""
    return session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.org_id == org_id, WebhookDelivery.id == delivery_id
        )
    ).one_or_none()


def prune(session: Session, now: datetime) -> None:
    session.execute(delete(InboundCall).where(InboundCall.at < now - KEEP))
