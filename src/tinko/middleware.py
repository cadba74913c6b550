"""ASGI middleware: request ids, access logs, and the request-body limit."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import structlog
from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tinko.audit import context as audit_context
from tinko.kit.ids import new_id
from tinko.observability import current_request_id, set_request_id

access_log = structlog.get_logger("tinko.access")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    """Gives each request an id (echoing a well-formed one sent) and logs one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else new_id("req")
        set_request_id(request_id)
        client = scope.get("client")
        audit_context.begin_request(
            request_id, client[0] if client else None, _header(scope, b"user-agent")
        )
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Rendered here, inside the request context, so the 500 carries the request id.
            access_log.exception("unhandled_error", error_type=type(exc).__name__)
            if not response_started:
                await _send_problem(
                    send_with_id,
                    500,
                    "Internal server error",
                    "internal",
                    "Something went wrong on our side. Quote the request id when you report it.",
                )
        finally:
            route = scope.get("route")
            state = scope.get("state") or {}
            access_log.info(
                "request",
                org_id=state.get("org_id"),
                method=scope["method"],
                route=getattr(route, "path", scope["path"]),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            set_request_id(None)
            audit_context.end_request()


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        await _send_problem(
            send,
            413,
            "Payload too large",
            "payload-too-large",
            f"The request body is larger than {self.max_bytes} bytes.",
        )


async def _send_problem(send: Send, status: int, title: str, slug: str, detail: str) -> None:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class _BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing passes it through as a 413 problem."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than {max_bytes} bytes.")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ConcurrencyLimitMiddleware:
    """Caps requests in flight below the thread pool's size.

    A request holds its database connection (and on SQLite the write gate) across several
    thread-pool calls: dependencies, the route, the commit. If every pool thread were taken by
    requests waiting for that connection, its holder could never get a thread back to finish:
    a deadlock broken only by timeouts. Queueing extra requests here, on the event loop, keeps
    a thread free for every request in flight.
    """

    def __init__(self, app: ASGIApp, max_in_flight: int) -> None:
        self.app = app
        self._slots = asyncio.Semaphore(max_in_flight)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self._slots:
            await self.app(scope, receive, send)
