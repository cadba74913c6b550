"""Recoveries as the API shows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.notify.models import OutboundMessage
from tinko.payments.models import Transaction
from tinko.reasons import explain, is_reason
from tinko.recovery.engine import list_attempts
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink, TimelineEntry
from tinko.recovery.schemas import (
    AttemptOut,
    MessageOut,
    PayerView,
    ReasonOut,
    RecoveryOut,
    RecoverySummary,
    TimelineOut,
    TransactionSummary,
)
from tinko.tenancy.models import Organization


def reason_out(
    reason: Mapping[str, Any] | None, lang: str, timezone: str | None
) -> ReasonOut | None:
    """A stored reason with its sentence; None for rows from before reasons (or a code this
    version does not know)."""
    if reason is None or not is_reason(reason):
        return None
    params = dict(reason.get("params") or {})
    text = explain(reason, lang, timezone=timezone)
    return ReasonOut(code=str(reason["code"]), params=params, text=text)


def _attempt_out(attempt: RecoveryAttempt, lang: str, timezone: str) -> AttemptOut:
    return AttemptOut(
        id=attempt.id,
        kind=attempt.kind,
        channel=attempt.channel,
        attempt_number=attempt.attempt_number,
        scheduled_for=attempt.scheduled_for,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        outcome=attempt.outcome,
        detail=attempt.detail,
        blocked_by=attempt.blocked_by,
        planned_by=attempt.planned_by,
        reason=reason_out(attempt.reason, lang, timezone),
    )


def _messages(session: Session, case: RecoveryCase, lang: str, timezone: str) -> list[MessageOut]:
    rows = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.org_id == case.org_id, OutboundMessage.case_id == case.id)
        .order_by(OutboundMessage.created_at, OutboundMessage.id)
    ).all()
    return [
        MessageOut(
            id=m.id,
            channel=m.channel,
            status=m.status,
            created_at=m.created_at,
            sent_at=m.sent_at,
            not_before=m.not_before,
            reason=reason_out(m.reason, lang, timezone),
        )
        for m in rows
    ]


def recovery_out(session: Session, case: RecoveryCase, lang: str = "en") -> RecoveryOut:
    """A recovery as the API shows it; reasons read in `lang`, moments in the org's zone."""
    session.flush()
    transaction = session.get_one(Transaction, case.transaction_id)
    timezone = session.get_one(Organization, case.org_id).timezone
    timeline = session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.org_id == case.org_id, TimelineEntry.case_id == case.id)
        .order_by(TimelineEntry.at, TimelineEntry.id)
    ).all()
    return RecoveryOut(
        id=case.id,
        status=case.status,
        transaction=TransactionSummary(
            id=transaction.id,
            transaction_ref=transaction.transaction_ref,
            amount=transaction.amount_minor,
            currency=transaction.currency,
            gateway=transaction.gateway,
            payment_method_type=transaction.payment_method_type,
        ),
        classification=case.classification,
        rule_id=case.rule_id,
        rule_version=case.rule_version,
        policy=case.policy_name,
        next_action_at=case.next_action_at,
        expires_at=case.expires_at,
        attempts=[
            _attempt_out(a, lang, timezone) for a in list_attempts(session, case.org_id, case.id)
        ],
        messages=_messages(session, case, lang, timezone),
        timeline=[TimelineOut(at=t.at, kind=t.kind, detail=t.detail) for t in timeline],
        created_at=case.created_at,
        closed_at=case.closed_at,
        closed_reason=case.closed_reason,
        reason=reason_out(case.reason, lang, timezone),
    )


def summary_out(session: Session, case: RecoveryCase, lang: str = "en") -> RecoverySummary:
    transaction = session.get_one(Transaction, case.transaction_id)
    timezone = session.get_one(Organization, case.org_id).timezone
    return RecoverySummary(
        id=case.id,
        status=case.status,
        transaction_ref=transaction.transaction_ref,
        amount=transaction.amount_minor,
        currency=transaction.currency,
        category=case.category,
        next_action_at=case.next_action_at,
        created_at=case.created_at,
        closed_at=case.closed_at,
        reason=reason_out(case.reason, lang, timezone),
    )


def payer_view(session: Session, link: RecoveryLink, case: RecoveryCase) -> PayerView:
    """Only what the payer page needs: no ids of ours, a first name, a masked contact."""
    transaction = session.get_one(Transaction, case.transaction_id)
    org = session.get_one(Organization, case.org_id)
    alternates = list(case.classification.get("alternate_methods") or [])
    first_name = (transaction.customer_name or "").split(" ")[0] or None
    return PayerView(
        merchant={"name": org.name},
        amount=transaction.amount_minor,
        currency=transaction.currency,
        status=case.status,
        reason=str(case.classification.get("reason", "")),
        recommended_method=alternates[0] if alternates else transaction.payment_method_type,
        alternates=alternates,
        customer_first_name=first_name,
        masked_contact=mask_contact(transaction.customer_email or transaction.customer_phone),
        expires_at=link.expires_at,
    )


def mask_contact(contact: str | None) -> str | None:
    if not contact:
        return None
    if "@" in contact:
        local, _, domain = contact.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{'*' * max(0, len(contact) - 4)}{contact[-4:]}"
