"""Recoveries as the API shows them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.payments.models import Transaction
from tinko.recovery.engine import list_attempts
from tinko.recovery.models import RecoveryCase, RecoveryLink, TimelineEntry
from tinko.recovery.schemas import (
    AttemptOut,
    PayerView,
    RecoveryOut,
    RecoverySummary,
    TimelineOut,
    TransactionSummary,
)
from tinko.tenancy.models import Organization


def recovery_out(session: Session, case: RecoveryCase) -> RecoveryOut:
    session.flush()
    transaction = session.get_one(Transaction, case.transaction_id)
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
            AttemptOut.model_validate(a, from_attributes=True)
            for a in list_attempts(session, case.org_id, case.id)
        ],
        timeline=[TimelineOut(at=t.at, kind=t.kind, detail=t.detail) for t in timeline],
        created_at=case.created_at,
        closed_at=case.closed_at,
        closed_reason=case.closed_reason,
    )


def summary_out(session: Session, case: RecoveryCase) -> RecoverySummary:
    transaction = session.get_one(Transaction, case.transaction_id)
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
