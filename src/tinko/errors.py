"""Application errors and their RFC 9457 problem+json rendering."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tinko.observability import current_request_id

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        # Extra members of the problem body (RFC 9457 §3.2), e.g. the id of what is in the way.
        self.extensions = dict(extensions or {})


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Unauthorized(AppError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class Gone(AppError):
    status, title, slug = 410, "Gone", "gone"


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class Unprocessable(AppError):
    status, title, slug = 422, "Validation failed", "validation-error"

    def __init__(self, detail: str, *, loc: Sequence[str | int] | None = None) -> None:
        errors = [{"loc": list(loc), "msg": detail}] if loc is not None else None
        super().__init__(detail, errors=errors)


class RateLimited(AppError):
    status, title, slug = 429, "Too many requests", "rate-limited"

    def __init__(self, retry_after_seconds: int) -> None:
        retry_after = max(1, retry_after_seconds)
        super().__init__(
            f"Too many attempts; try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = list(errors)
    request_id = current_request_id()
    if request_id:
        body["request_id"] = request_id
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


_HTTP_TITLES = {
    404: ("Not found", "not-found", "No such resource."),
    405: ("Method not allowed", "method-not-allowed", "This method is not allowed here."),
    413: ("Payload too large", "payload-too-large", "The request body is too large."),
}


def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        exc.status,
        exc.title,
        exc.detail,
        slug=exc.slug,
        errors=exc.errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in error.get("loc", ())], "msg": error.get("msg", "invalid")}
        for error in exc.errors()
    ]
    raw = exc.errors()
    if raw and raw[0].get("type") == "json_invalid":
        reason = raw[0].get("ctx", {}).get("error", "malformed JSON")
        detail = f"The request body is not valid JSON ({reason})."
        errors = [{"loc": ["body"], "msg": detail}]
    else:
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"]) or "body"
        detail = f"{where}: {first['msg']}"
    return problem_response(
        422, "Validation failed", detail, slug="validation-error", errors=errors
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title, slug, default_detail = _HTTP_TITLES.get(
        exc.status_code, ("Error", "http-error", "The request failed.")
    )
    custom = isinstance(exc.detail, str) and exc.detail.lower() != title.lower()
    detail = str(exc.detail) if custom else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        exc.status_code, title, detail or default_detail, slug=slug, headers=headers
    )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path; Starlette names only the first route's."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Unhandled exceptions become a 500 problem in RequestContextMiddleware, inside the request id.
