"""What the case page shows: the transaction, why it failed, the timeline with each decision's
explanation in the page's language, the links sent and opened, the messages, and which of the
admin's actions (retry now, cancel, new link) the case allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from babel.dates import format_date, format_time
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.console.words import EVENTS, OUTCOMES
from tinko.notify.models import OutboundMessage
from tinko.pages.i18n import zone
from tinko.payments.models import Transaction
from tinko.recovery import engine
from tinko.recovery.models import (
    OPEN_STATUSES,
    PAYABLE_STATUSES,
    RecoveryAttempt,
    RecoveryCase,
    RecoveryLink,
    TimelineEntry,
)
from tinko.recovery.reasons import explain
from tinko.recovery.views import mask_contact

ACTIONS: Final = ("retry", "cancel", "link")


class Explain:
    """A decision's reason as a sentence in the page's language (tinko.recovery.reasons)."""

    def __init__(self, language: str, timezone: str) -> None:
        self.language, self.timezone = language, timezone

    def __call__(self, reason: Any) -> str | None:
        if not isinstance(reason, dict):
            return None
        return explain(reason, self.language, timezone=self.timezone) or None


@dataclass(frozen=True)
class Step:
    """One attempt of the plan, with why it was planned, skipped or stopped."""

    number: int
    kind: str
    channel: str | None
    status: str
    outcome: str | None
    planned_for: str
    finished: str | None
    explanation: str | None  # in the page's language
    detail_en: str | None  # the service's own note (English) when there is no explanation


@dataclass(frozen=True)
class Event:
    at: str
    kind: str
    label: str  # a message id (EVENTS) or the kind itself
    explanation: str | None
    channel: str | None


@dataclass(frozen=True)
class LinkRow:
    created: str
    channel: str | None
    expires: str
    opened: str | None
    open_count: int
    paid: str | None


@dataclass(frozen=True)
class MessageRow:
    id: str
    created: str
    channel: str
    recipient: str | None
    status: str
    error: str | None
    explanation: str | None


@dataclass(frozen=True)
class CaseView:
    case: RecoveryCase
    transaction: Transaction
    steps: list[Step]
    events: list[Event]
    links: list[LinkRow]
    messages: list[MessageRow]
    can_retry: bool
    can_cancel: bool
    can_link: bool
    closed_why: str | None  # why the case closed (or was never worked), in the page's language


class Moments:
    """Instants in the organisation's time zone and the page's language."""

    def __init__(self, language: str, timezone: str) -> None:
        self.locale = "en_IN" if language == "en" else f"{language}_IN"
        self.tz = zone(timezone)

    def __call__(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        day = format_date(moment.astimezone(self.tz), "medium", locale=self.locale)
        return f"{day}, {format_time(moment, 'short', tzinfo=self.tz, locale=self.locale)}"


def build(session: Session, org_id: str, case_id: str, *, language: str, timezone: str) -> CaseView:
    """The case of this organisation (NotFound for an unknown or another org's id)."""
    case = engine.get_case(session, org_id, case_id)
    transaction = session.get_one(Transaction, case.transaction_id)
    at = Moments(language, timezone)
    why = Explain(language, timezone)
    attempts = engine.list_attempts(session, org_id, case.id)
    steps = [_step(a, at, why) for a in attempts]
    entries = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.org_id == org_id, TimelineEntry.case_id == case.id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    ).all()
    events = [_event(e, at, why) for e in entries]
    links = session.scalars(
        select(RecoveryLink)
        .where(RecoveryLink.org_id == org_id, RecoveryLink.case_id == case.id)
        .order_by(RecoveryLink.created_at)
    ).all()
    messages = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.org_id == org_id, OutboundMessage.case_id == case.id)
        .order_by(OutboundMessage.created_at)
    ).all()
    open_case = case.status in OPEN_STATUSES and case.cancel_requested_at is None
    retryable = bool(case.classification.get("retryable")) and bool(transaction.payment_method_ref)
    return CaseView(
        case=case,
        transaction=transaction,
        steps=steps,
        events=events,
        links=[_link(link, at) for link in links],
        messages=[_message(m, at, why) for m in messages],
        closed_why=why(case.reason),
        can_retry=open_case and retryable,
        can_cancel=open_case,
        can_link=case.status in PAYABLE_STATUSES and case.cancel_requested_at is None,
    )


def _step(attempt: RecoveryAttempt, at: Moments, why: Explain) -> Step:
    explanation = why(attempt.reason)
    detail = attempt.detail
    if attempt.blocked_by and not explanation:
        detail = f"{detail or ''} ({attempt.blocked_by})".strip()
    return Step(
        number=attempt.attempt_number,
        kind=attempt.kind,
        channel=attempt.channel,
        status=attempt.status,
        outcome=attempt.outcome,
        planned_for=at(attempt.scheduled_for) or "",
        finished=at(attempt.finished_at),
        explanation=explanation,
        detail_en=None if explanation else detail,
    )


def _event(entry: TimelineEntry, at: Moments, why: Explain) -> Event:
    detail = entry.detail or {}
    explanation = why(detail.get("why") or detail.get("reason"))
    return Event(
        at=at(entry.at) or "",
        kind=entry.kind,
        label=EVENTS.get(entry.kind, entry.kind.replace("_", " ")),
        explanation=explanation,
        channel=detail.get("channel") if isinstance(detail.get("channel"), str) else None,
    )


def _link(link: RecoveryLink, at: Moments) -> LinkRow:
    return LinkRow(
        created=at(link.created_at) or "",
        channel=link.channel,
        expires=at(link.expires_at) or "",
        opened=at(link.first_opened_at),
        open_count=link.open_count,
        paid=at(link.used_at),
    )


def _message(message: OutboundMessage, at: Moments, why: Explain) -> MessageRow:
    return MessageRow(
        id=message.id,
        created=at(message.created_at) or "",
        channel=message.channel,
        recipient=mask_contact(message.recipient),
        status=message.status,
        error=message.error,
        explanation=why(message.reason),
    )


def outcome_label(outcome: str | None) -> str | None:
    return OUTCOMES.get(outcome, outcome) if outcome else None
