"""What a signed PSP event must be before it is queued for processing.

Checked at the edge, when the delivery arrives: a bounded size and nesting, a JSON object, the
envelope and amount fields of the PSP's documented types, and a report the API itself would
accept (a positive amount in a known currency). An event that fails is stored in the inbox as
`rejected` with the reason, never processed (docs/decisions/0002-signed-but-invalid-webhooks.md).
Strings are scrubbed of control characters (`kit.text`) so every event can be stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tinko.kit.money import MAX_AMOUNT_MINOR, is_known_currency
from tinko.kit.text import scrub
from tinko.payments.reports import FailureReport, SuccessReport
from tinko.psp import razorpay_events, stripe_events

# Far above the largest events the PSPs send (an invoice with its lines is tens of KB).
MAX_EVENT_BYTES = 512 * 1024
# Stripe objects expanded to their deepest are about a dozen levels.
MAX_DEPTH = 64
_EXCERPT_CHARS = 2000

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


@dataclass(frozen=True)
class CheckedEvent:
    payload: dict[str, Any]  # scrubbed; an excerpt of the body when it could not be read
    reason: str | None  # why it is rejected; None when it may be processed


def check_event(psp: str, body: bytes) -> CheckedEvent:
    if len(body) > MAX_EVENT_BYTES:
        return _unreadable(body, f"the body is larger than {MAX_EVENT_BYTES} bytes")
    if _depth(body) > MAX_DEPTH:
        return _unreadable(body, f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        return _unreadable(body, f"the body is not JSON ({exc})")
    if not isinstance(document, dict):
        return _unreadable(body, "the body is not a JSON object")
    event: dict[str, Any] = scrub(document)
    return CheckedEvent(
        event, _stripe_reason(event) if psp == "stripe" else _razorpay_reason(event)
    )


def _depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, strings left out, without parsing."""
    depth = deepest = 0
    for bracket in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
    return deepest


def _unreadable(body: bytes, reason: str) -> CheckedEvent:
    excerpt = scrub(body[: _EXCERPT_CHARS * 4].decode("utf-8", errors="replace"))
    return CheckedEvent({"unreadable": excerpt[:_EXCERPT_CHARS]}, reason)


Amount = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT_MINOR)]
Id = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=80)]
Timestamp = Annotated[int, Field(strict=True, ge=0, le=10**11)]


class _PaymentObject(BaseModel):
    """The fields of a payment object that become amounts, in either PSP's objects."""

    model_config = ConfigDict(extra="allow")

    amount: Amount | None = None
    amount_received: Amount | None = None
    amount_due: Amount | None = None
    amount_remaining: Amount | None = None
    amount_paid: Amount | None = None
    amount_total: Amount | None = None
    currency: Annotated[str, StringConstraints(strict=True, max_length=3)] | None = None


class _StripeData(BaseModel):
    model_config = ConfigDict(extra="allow")

    object: dict[str, Any]


class _StripeEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: Id
    type: Name
    created: Timestamp
    data: _StripeData


class _RazorpayEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    event: Name
    created_at: Timestamp
    payload: dict[str, Any]


class _RazorpayWrapper(BaseModel):
    model_config = ConfigDict(extra="allow")

    entity: _PaymentObject


_STRIPE_ACTED_ON = stripe_events.FAILURE_EVENTS | stripe_events.SUCCESS_EVENTS
_RAZORPAY_ACTED_ON = (
    {"payment.failed"} | razorpay_events.SUCCESS_EVENTS | razorpay_events.MANDATE_EVENTS
)


def _stripe_reason(event: dict[str, Any]) -> str | None:
    reason = _shape_reason(_StripeEvent, event)
    if reason or event["type"] not in _STRIPE_ACTED_ON:
        return reason  # other events' objects are not read: any amount of theirs is fine
    obj = event["data"]["object"]
    reason = _shape_reason(_PaymentObject, obj, ("data", "object"))
    return reason or _report_reason(stripe_events.parse_stripe_event, event)


def _razorpay_reason(event: dict[str, Any]) -> str | None:
    reason = _shape_reason(_RazorpayEvent, event)
    if reason or event["event"] not in _RAZORPAY_ACTED_ON:
        return reason
    for name, wrapper in event["payload"].items():
        reason = _shape_reason(_RazorpayWrapper, wrapper, ("payload", name))
        if reason:
            return reason
    return _report_reason(razorpay_events.parse_razorpay_event, event)


def _shape_reason(model: type[BaseModel], value: Any, at: tuple[str, ...] = ()) -> str | None:
    try:
        model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in (*at, *first["loc"])) or "event"
        return f"{where}: {first['msg']}"
    return None


def _report_reason(parse: Any, event: dict[str, Any]) -> str | None:
    """The report the event becomes must be one the API would accept."""
    try:
        report = parse(event)
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        return f"the event cannot be read ({type(exc).__name__}: {exc})"
    currency: str | None = None
    if isinstance(report, FailureReport) and report.kind != "mandate_revoked":
        if report.amount_minor <= 0:
            return f"the failed payment's amount is {report.amount_minor}; it must be positive"
        currency = report.currency
    elif isinstance(report, SuccessReport):
        currency = report.currency
    if currency is not None and not is_known_currency(currency):
        return f"{currency!r} is not an ISO 4217 currency code"
    return None
