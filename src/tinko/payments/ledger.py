"""The payments ledger: what we were told about each payment. Upserts the transaction (locked
for the rest of the unit of work), keeps one event row per report and classifies failures.
Knows nothing of recovery: `flows.failure` and `flows.success` decide what a report means for a
case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tinko.classifier import Classification, DeclineSignal, classify
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_new, insert_row
from tinko.payments.models import PaymentEvent, Transaction
from tinko.payments.reports import FailureReport, SuccessReport

KNOWN_GATEWAYS = frozenset({"stripe", "razorpay", "sandbox"})
# Failures of our own tries at the PSP (a retry, a payer's try on our hosted checkout), told
# by the markers the adapters put on the PSP's objects (stripe_events.OWN_TRY_MARKERS).
OWN_TRY_KINDS = frozenset({"retry_failed", "checkout_failed"})


@dataclass(frozen=True)
class RecordedFailure:
    event_id: str
    transaction: Transaction
    classification: Classification
    is_new: bool  # the transaction was created by this report
    repeat: bool  # another event about the same PSP try was recorded before
    # The failure of the customer's payment, not of one of our tries, and no success after it:
    # a case should be opened or updated for it.
    open_case: bool


def record_failure(
    session: Session,
    clock: Clock,
    org_id: str,
    report: FailureReport,
    *,
    source: str,
    external_id: str | None = None,
) -> RecordedFailure:
    now = clock.now()
    gateway = report.gateway if report.gateway in KNOWN_GATEWAYS else "other"
    fields = _failure_fields(report, gateway)
    transaction, is_new = _lock_transaction(
        session, clock, org_id, report.transaction_ref, report, gateway, fields
    )
    if report.kind in OWN_TRY_KINDS:
        # Kept on the timeline only: no new failure, no case, the payment method unchanged.
        classification = classify(_signal(report, gateway, transaction, None))
        event_id = _insert_failure_event(
            session, org_id, transaction, report, classification, source, external_id, now
        )
        return RecordedFailure(event_id, transaction, classification, is_new, False, False)
    repeat_of = None if is_new else _same_psp_attempt(session, transaction, report)
    classification = classify(_signal(report, gateway, transaction, repeat_of))
    # The success came first (webhooks arrive out of order): the money is already in.
    paid_already = (
        transaction.succeeded_at is not None and transaction.succeeded_at >= report.occurred_at
    )
    if not paid_already and not is_new:
        _apply_failure(transaction, fields, report.occurred_at, now)
    event_id = _insert_failure_event(
        session, org_id, transaction, report, classification, source, external_id, now
    )
    return RecordedFailure(
        event_id, transaction, classification, is_new, repeat_of is not None, not paid_already
    )


def _insert_failure_event(
    session: Session,
    org_id: str,
    transaction: Transaction,
    report: FailureReport,
    classification: Classification,
    source: str,
    external_id: str | None,
    now: datetime,
) -> str:
    event_id = new_id("evt")
    insert_row(
        session,
        PaymentEvent,
        {
            "id": event_id,
            "org_id": org_id,
            "transaction_id": transaction.id,
            "kind": report.kind,
            "source": source,
            "external_id": external_id,
            "event_type": report.event_type,
            "occurred_at": report.occurred_at,
            "received_at": now,
            "failure_code": report.failure_code,
            "decline_code": report.decline_code,
            "network_advice_code": report.network_advice_code,
            "network_decline_code": report.network_decline_code,
            "failure_message": report.failure_message,
            "payment_method_type": report.payment_method_type,
            "psp_attempt_id": report.psp_attempt_id,
            "classification": classification.to_dict(),
            "amount_minor": report.amount_minor,
            "currency": report.currency,
        },
    )
    return event_id


def transaction_for_success(
    session: Session, clock: Clock, org_id: str, report: SuccessReport
) -> Transaction:
    """The (locked) transaction a success is about; created if we never heard of it."""
    transaction = _find_for_success(session, org_id, report)
    if transaction is None:
        transaction, _ = _lock_transaction(
            session, clock, org_id, report.transaction_ref, report, report.gateway
        )
    return transaction


def record_success_of(
    session: Session,
    clock: Clock,
    transaction: Transaction,
    report: SuccessReport,
    *,
    source: str,
    external_id: str | None = None,
) -> bool:
    """A success of a known (locked) transaction: the event and the paid state. False when it
    is older than the transaction's last failure (an earlier payment on this reference), which
    must not close a newer failure."""
    now = clock.now()
    insert_row(
        session,
        PaymentEvent,
        {
            "id": new_id("evt"),
            "org_id": transaction.org_id,
            "transaction_id": transaction.id,
            "kind": "payment_succeeded",
            "source": source,
            "external_id": external_id,
            "event_type": report.event_type,
            "occurred_at": report.occurred_at,
            "received_at": now,
            "amount_minor": report.amount_minor or transaction.amount_minor,
            "currency": report.currency or transaction.currency,
        },
    )
    if transaction.last_failed_at is not None and report.occurred_at < transaction.last_failed_at:
        return False
    transaction.status = "succeeded"
    transaction.succeeded_at = max(
        report.occurred_at, transaction.succeeded_at or report.occurred_at
    )
    transaction.updated_at = now
    return True


def _lock_transaction(
    session: Session,
    clock: Clock,
    org_id: str,
    ref: str,
    report: FailureReport | SuccessReport,
    gateway: str,
    fields: dict[str, Any] | None = None,
) -> tuple[Transaction, bool]:
    """The transaction for `ref`, locked for the rest of the unit of work; True if just created.

    One statement for a new reference (INSERT … ON CONFLICT DO NOTHING); a known one is then
    read FOR UPDATE. Concurrent first reports of one reference create it once.
    """
    now = clock.now()
    is_failure = isinstance(report, FailureReport)
    created = insert_new(
        session,
        Transaction,
        {
            "id": new_id("txn"),
            "org_id": org_id,
            "transaction_ref": ref,
            "amount_minor": report.amount_minor or 0,
            "currency": report.currency or "XXX",
            "gateway": gateway if gateway in KNOWN_GATEWAYS else "other",
            "psp_object_id": report.psp_object_id,
            "metadata_": {},
            "status": "failed" if is_failure else "succeeded",
            "created_at": now,
            "updated_at": now,
            **(fields or {}),  # a new transaction is written whole, with no UPDATE after
        },
        ["org_id", "transaction_ref"],
    )
    if created is not None:
        return created, True
    existing = session.scalars(
        select(Transaction)
        .where(Transaction.org_id == org_id, Transaction.transaction_ref == ref)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return existing, False


def _find_for_success(session: Session, org_id: str, report: SuccessReport) -> Transaction | None:
    """By our reference, else by the PSP object (a retry on Razorpay is a new payment id)."""
    conditions = [Transaction.transaction_ref == report.transaction_ref]
    if report.psp_object_id:
        conditions.append(Transaction.psp_object_id == report.psp_object_id)
    return session.scalars(
        select(Transaction)
        .where(Transaction.org_id == org_id, or_(*conditions))
        .order_by(Transaction.transaction_ref != report.transaction_ref)
        .limit(1)
        .with_for_update()
    ).first()


def _same_psp_attempt(
    session: Session, transaction: Transaction, report: FailureReport
) -> PaymentEvent | None:
    """An earlier event about the same PSP try (Stripe sends charge.failed and
    payment_intent.payment_failed for one decline): merged, not counted twice."""
    if not report.psp_attempt_id:
        return None
    return session.scalars(
        select(PaymentEvent)
        .where(
            PaymentEvent.org_id == transaction.org_id,
            PaymentEvent.transaction_id == transaction.id,
            PaymentEvent.psp_attempt_id == report.psp_attempt_id,
            PaymentEvent.kind == "payment_failed",
        )
        .order_by(PaymentEvent.id)
        .limit(1)
    ).first()


def _signal(
    report: FailureReport,
    gateway: str,
    transaction: Transaction,
    earlier: PaymentEvent | None,
) -> DeclineSignal:
    """The decline signal, filling gaps from an earlier event about the same PSP try."""

    def pick(value: str | None, attribute: str) -> str | None:
        return value if value else (getattr(earlier, attribute) if earlier else None)

    country = report.customer.country or transaction.country
    if country is None and report.currency == "INR":
        country = "IN"  # rupee payments are domestic Indian payments for alternates
    return DeclineSignal(
        gateway=gateway if gateway != "other" else report.gateway,
        failure_code=pick(report.failure_code, "failure_code"),
        decline_code=pick(report.decline_code, "decline_code"),
        network_advice_code=pick(report.network_advice_code, "network_advice_code"),
        network_decline_code=pick(report.network_decline_code, "network_decline_code"),
        failure_message=pick(report.failure_message, "failure_message"),
        payment_method_type=report.payment_method_type or transaction.payment_method_type,
        card_network=report.card_network or transaction.card_network,
        country=country.upper() if country else None,
        on=report.occurred_at.date(),
    )


def _failure_fields(report: FailureReport, gateway: str) -> dict[str, Any]:
    """What a failure says about its transaction; absent details are left out."""
    customer = report.customer
    optional = {
        "payment_method_type": report.payment_method_type,
        "payment_method_ref": report.payment_method_ref,
        "card_network": report.card_network,
        "card_issuer": report.card_issuer,
        "psp_object_id": report.psp_object_id,
        "country": customer.country.upper() if customer.country else None,
        "customer_ref": customer.ref,
        "customer_email": customer.email,
        "customer_phone": customer.phone,
        "customer_name": customer.name,
        "customer_locale": customer.locale,
        "customer_timezone": customer.timezone,
    }
    return {
        "amount_minor": report.amount_minor,
        "currency": report.currency,
        "gateway": gateway,
        "status": "failed",
        "last_failed_at": report.occurred_at,
        "metadata_": report.metadata,
        **{k: v for k, v in optional.items() if v},
    }


def _apply_failure(
    transaction: Transaction, fields: dict[str, Any], occurred_at: datetime, now: datetime
) -> None:
    """A known transaction shows the newest failure's details; gaps keep what we knew."""
    for attribute, value in fields.items():
        if attribute == "metadata_":
            if value:
                transaction.metadata_ = {**transaction.metadata_, **value}
        elif attribute != "last_failed_at":
            setattr(transaction, attribute, value)
    if transaction.last_failed_at is None or occurred_at >= transaction.last_failed_at:
        transaction.last_failed_at = occurred_at
    transaction.updated_at = now
