"""The problem+json responses the OpenAPI document describes, and how routes declare the ones
that cannot be read off their dependencies (a 409 from the service, a 410 link, a 502 PSP)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tinko.errors import PROBLEM_JSON


class ProblemError(BaseModel):
    loc: list[str | int] = Field(description="Where: `body`, `query` or `path`, then the field.")
    msg: str


class Problem(BaseModel):
    """An RFC 9457 problem document: every error Tinko answers has this shape."""

    type: str = Field(description="`/problems/<slug>`, one per kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, in words meant for a person.")
    errors: list[ProblemError] | None = Field(
        None, description="The invalid fields, for validation problems."
    )
    request_id: str | None = Field(None, description="The request's `X-Request-ID`.")


# status -> (slug, title, what it means, an example detail)
PROBLEMS: dict[int, tuple[str, str, str, str]] = {
    400: (
        "bad-signature",
        "Bad signature",
        "The webhook signature is missing or does not match the endpoint's secret.",
        "The Stripe-Signature header is missing.",
    ),
    401: (
        "unauthorized",
        "Unauthorized",
        "No valid credentials: send `X-API-Key` or `Authorization: Bearer <access token>`.",
        "The access token is invalid or expired; refresh it or sign in again.",
    ),
    403: (
        "forbidden",
        "Forbidden",
        "Authenticated, but your role (or an API key instead of a person) may not do this.",
        "This needs the admin role; you have viewer.",
    ),
    404: (
        "not-found",
        "Not found",
        "No such object in your organisation (another organisation's objects are 404 too).",
        "No such object in your organisation.",
    ),
    409: (
        "conflict",
        "Conflict",
        "The request conflicts with the object's current state; `detail` says how.",
        "This recovery is recovered; a payment link would not help.",
    ),
    410: (
        "gone",
        "Gone",
        "The payment link has expired.",
        "This payment link has expired. Ask the merchant for a new one.",
    ),
    422: (
        "validation-error",
        "Validation failed",
        "The request is invalid; `errors` names each field with its problem.",
        "amount: must be greater than zero",
    ),
    429: (
        "rate-limited",
        "Too many requests",
        "Rate limited; try again after `Retry-After` seconds.",
        "Too many attempts; try again in 42 seconds.",
    ),
    502: (
        "psp-unavailable",
        "Payment provider unavailable",
        "The payment provider could not be reached or refused the call.",
        "Stripe did not answer. Try again in a minute.",
    ),
    503: (
        "unavailable",
        "Service unavailable",
        "A dependency (database, broker or payment provider) is not available.",
        "database unreachable: OperationalError",
    ),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: problem statuses it can answer beyond those its dependencies
    imply (the OpenAPI post-processing fills in the problem+json content)."""
    return {status: {"description": PROBLEMS[status][2]} for status in statuses}


def problem_response(status: int, description: str | None) -> dict[str, Any]:
    """The OpenAPI response object of one problem status."""
    slug, title, meaning, detail = PROBLEMS.get(
        status, ("error", "Error", "The request failed.", "The request failed.")
    )
    example: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if status == 422:
        example["errors"] = [{"loc": ["body", "amount"], "msg": "must be greater than zero"}]
    response: dict[str, Any] = {
        "description": description or meaning,
        "content": {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}, "example": example}
        },
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer"},
            }
        }
    return response
