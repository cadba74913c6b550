"""Running one attempt: claim it, act (charge through the PSP or message the customer),
record the result and plan what follows. Safe to run twice and to be killed at any point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.orm import Session

from tinko.classifier import DeclineSignal, classify
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.intake.reports import SuccessReport
from tinko.intake.service import record_success_of
from tinko.jobs.registry import JobContext
from tinko.kit.clock import Clock
from tinko.notify.messages import Message, queue_message
from tinko.psp.base import ChargeRequest, ChargeResult, PSPError
from tinko.psp.registry import provider_for
from tinko.recovery import engine
from tinko.recovery.guard import check_attempt
from tinko.recovery.guard_types import ProposedAttempt
from tinko.recovery.links import issue_link
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt
from tinko.tenancy.models import Organization

log = structlog.get_logger("tinko.recovery")


@dataclass(frozen=True)
class _Work:
    attempt_id: str
    org_id: str
    kind: str
    charge: ChargeRequest | None
    gateway: str


def run_attempt(ctx: JobContext, attempt_id: str) -> None:
    work = _claim(ctx, attempt_id)
    if work is None:
        return
    if work.kind == "notification":
        with unit_of_work(ctx.session_factory) as session:
            _send_link(session, ctx.clock, ctx.settings, work.attempt_id)
        return
    assert work.charge is not None
    try:
        with unit_of_work(ctx.session_factory) as session:
            provider = provider_for(session, ctx.settings, ctx.clock, work.org_id, work.gateway)
            result: ChargeResult | PSPError = provider.charge(session, work.charge)
    except PSPError as exc:
        result = exc
    with unit_of_work(ctx.session_factory) as session:
        _record_charge(session, ctx.clock, work.attempt_id, result)


def _claim(ctx: JobContext, attempt_id: str) -> _Work | None:
    now = ctx.clock.now()
    with unit_of_work(ctx.session_factory) as session:
        locked = engine.lock_for_work(session, attempt_id=attempt_id)
        if locked is None:
            return None
        attempt, case, transaction = locked
        assert attempt is not None
        if attempt.status in ("done", "cancelled"):
            return None
        if attempt.status == "scheduled" and attempt.scheduled_for > now:
            return None  # not due yet: the sweep will bring it back
        if attempt.status == "running" and attempt.claimed_until and attempt.claimed_until > now:
            return None  # another worker holds it
        if case.status not in OPEN_STATUSES:
            _finish(attempt, now, "cancelled", f"case already {case.status}")
            attempt.status = "cancelled"
            return None
        if attempt.kind == "psp_retry" and transaction.payment_method_ref:
            engine.lock_payment_method(session, attempt.org_id, transaction.payment_method_ref)
            decision = check_attempt(
                ProposedAttempt(
                    at=now,
                    initiator="merchant",
                    card_network=transaction.card_network,
                    payment_method_type=transaction.payment_method_type or "card",
                    last_decline_visa_category=case.classification.get("visa_category"),
                    last_decline_merchant_advice_code=case.classification.get(
                        "merchant_advice_code"
                    ),
                    last_decline_at=transaction.last_failed_at,
                ),
                engine.card_history(session, transaction, now),
            )
            if not decision.allowed:
                _finish(attempt, now, "blocked", decision.reason)
                attempt.blocked_by = decision.rule
                engine.log(
                    session,
                    ctx.clock,
                    case,
                    "blocked",
                    attempt_id=attempt.id,
                    rule=decision.rule,
                    reason=decision.reason,
                )
                engine.plan_case(session, ctx.clock, case, transaction)
                return None
        attempt.status = "running"
        attempt.claimed_until = now + timedelta(seconds=ctx.settings.attempt_lease_seconds)
        attempt.started_at = attempt.started_at or now
        case.status = "in_progress"
        charge = None
        if attempt.kind == "psp_retry":
            assert transaction.payment_method_ref is not None
            charge = ChargeRequest(
                org_id=attempt.org_id,
                idempotency_key=attempt.id,
                payment_method_ref=transaction.payment_method_ref,
                amount_minor=transaction.amount_minor,
                currency=transaction.currency,
                customer_ref=transaction.customer_ref,
                description=f"Retry of {transaction.transaction_ref}",
                first_failed_at=case.created_at,
            )
        return _Work(attempt.id, attempt.org_id, attempt.kind, charge, transaction.gateway)


def _record_charge(
    session: Session, clock: Clock, attempt_id: str, result: ChargeResult | PSPError
) -> None:
    now = clock.now()
    locked = engine.lock_for_work(session, attempt_id=attempt_id)
    assert locked is not None
    attempt, case, transaction = locked
    assert attempt is not None
    if attempt.status != "running":
        return  # recorded by an earlier run
    if isinstance(result, PSPError):
        _finish(attempt, now, "failed", f"the PSP gave no answer: {str(result)[:200]}")
        engine.log(
            session,
            clock,
            case,
            "attempt_failed",
            attempt_id=attempt.id,
            error=type(result).__name__,
        )
    elif result.status == "succeeded":
        _finish(attempt, now, "succeeded", f"charged ({result.psp_reference})")
        engine.log(session, clock, case, "attempt_succeeded", attempt_id=attempt.id)
        record_success_of(
            session,
            clock,
            transaction,
            SuccessReport(
                transaction_ref=transaction.transaction_ref,
                gateway=transaction.gateway,
                occurred_at=now,
                amount_minor=transaction.amount_minor,
                currency=transaction.currency,
                event_type="tinko.retry_succeeded",
            ),
            source="retry",
            external_id=attempt.id,
            case=case,
        )
        return
    else:
        classification = classify(
            DeclineSignal(
                gateway=transaction.gateway,
                failure_code=result.failure_code,
                decline_code=result.decline_code,
                network_advice_code=result.network_advice_code,
                failure_message=result.message,
                payment_method_type=transaction.payment_method_type,
                card_network=transaction.card_network,
                country=transaction.country,
                on=now.date(),
            )
        )
        _finish(attempt, now, "declined", classification.reason)
        attempt.decline = {
            "decline_code": result.decline_code,
            "failure_code": result.failure_code,
            **classification.to_dict(),
        }
        case.classification = classification.to_dict()
        case.category, case.decline_type = classification.category, classification.decline_type
        engine.log(
            session,
            clock,
            case,
            "attempt_declined",
            attempt_id=attempt.id,
            category=classification.category,
            decline_code=result.decline_code,
        )
    case.status = "scheduled"
    engine.plan_case(session, clock, case, transaction)


def _send_link(session: Session, clock: Clock, settings: Settings, attempt_id: str) -> None:
    now = clock.now()
    locked = engine.lock_for_work(session, attempt_id=attempt_id)
    assert locked is not None
    attempt, case, transaction = locked
    assert attempt is not None
    if attempt.status != "running":
        return
    org = session.get_one(Organization, case.org_id)
    channel = attempt.channel or "email"
    recipient = transaction.customer_email if channel == "email" else transaction.customer_phone
    if not recipient:
        _finish(attempt, now, "skipped", f"no {channel} contact for the customer")
    else:
        issued = issue_link(
            session,
            clock,
            secret_key=settings.secret_key,
            base_url=settings.base_url,
            case=case,
            ttl=timedelta(hours=org.link_ttl_hours),
            channel=channel,
        )
        amount = f"{transaction.amount_minor / 100:.2f} {transaction.currency}"
        queue_message(
            session,
            clock,
            case.org_id,
            Message(
                channel=channel,
                to=recipient,
                kind="recovery_link",
                subject=f"Your payment to {org.name} did not go through",
                text=(
                    f"Hello{' ' + transaction.customer_name if transaction.customer_name else ''},"
                    f"\n\nYour payment of {amount} to {org.name} did not go through: "
                    f"{case.classification.get('reason', '')}\n\n"
                    f"You can complete it here: {issued.url}\n"
                    f"The link works until {issued.link.expires_at:%d %b %Y %H:%M} UTC.\n"
                ),
            ),
        )
        _finish(attempt, now, "succeeded", f"payment link sent by {channel}")
        engine.log(
            session,
            clock,
            case,
            "link_sent",
            attempt_id=attempt.id,
            channel=channel,
            link_id=issued.link.id,
        )
    case.status = "scheduled"
    engine.plan_case(session, clock, case, transaction)


def _finish(attempt: RecoveryAttempt, now: datetime, outcome: str, detail: str) -> None:
    attempt.status = "done"
    attempt.outcome = outcome
    attempt.finished_at = now
    attempt.detail = detail[:500]
    attempt.claimed_until = None
