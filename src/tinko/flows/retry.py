"""Running one attempt: claim it, act (charge through the PSP or message the customer),
record the result and plan what follows. Safe to run twice and to be killed at any point."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import TypeVar

import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tinko.classifier import DeclineSignal, classify
from tinko.db import unit_of_work
from tinko.flows.outcomes import success_of
from tinko.jobs.registry import JobContext
from tinko.kit.clock import Clock
from tinko.payments.models import Transaction
from tinko.payments.reports import SuccessReport
from tinko.psp.base import (
    ChargeRequest,
    ChargeResult,
    PaymentProvider,
    PSPError,
    PSPRateLimited,
)
from tinko.psp.registry import provider_for
from tinko.psp.sandbox import SandboxPSP
from tinko.recovery import (
    issuer_health,
    lifecycle,
    locks,
    manual,
    outreach,
    planning,
    slot_stats,
    timeline,
)
from tinko.recovery.card_history import card_histories, lock_payment_methods
from tinko.recovery.guard import check_attempt
from tinko.recovery.guard.types import PastAttempt
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt, RecoveryCase
from tinko.recovery.planner import blocked_reason
from tinko.recovery.settlement import last_try_moment
from tinko.recovery.statuses import AttemptOutcome, AttemptStatus, CaseStatus
from tinko.recovery.transient import IssuerSignal, keeps_category

log = structlog.get_logger("tinko.recovery")


@dataclass(frozen=True)
class Work:
    """An attempt this worker has claimed, with what it needs to act outside a transaction."""

    attempt_id: str
    org_id: str
    kind: str
    charge: ChargeRequest | None
    gateway: str
    # Set when the PSP already gave this attempt a reference: look it up, do not charge again.
    recheck_reference: str | None = None


PENDING_RECHECK = timedelta(hours=1)
PENDING_GIVE_UP = timedelta(days=7)
NO_ANSWER_FIRST_WAIT = timedelta(minutes=1)
NO_ANSWER_MAX_WAIT = timedelta(hours=1)
# Ask a silent PSP again only while it surely still knows the key (Stripe keeps keys 24 hours).
NO_ANSWER_GIVE_UP = timedelta(hours=20)
NO_ANSWER_LAST_ASK = timedelta(hours=22)
_Outcome = ChargeResult | PSPError
_T = TypeVar("_T")
_R = TypeVar("_R")


def run_attempt(ctx: JobContext, attempt_id: str) -> None:
    run_batch(ctx, [attempt_id])


def run_batch(ctx: JobContext, attempt_ids: Sequence[str]) -> None:
    """Claim, act on and record many attempts with three transactions in all, not three each.

    Money moves only between the claim and the record, keyed by each attempt's id, so a crash
    anywhere leaves attempts `running` until their lease ends and the sweep hands them out again;
    the PSP answers a repeated key with its first result.
    """
    works = claim(ctx, attempt_ids)
    outcomes = _charge_all(ctx, [w for w in works if w.charge is not None])
    to_record = [w for w in works if w.charge is None or w.attempt_id in outcomes]
    _in_batch_or_alone(ctx, to_record, lambda s, ws: _record(s, ctx, ws, outcomes), "record")


def claim(ctx: JobContext, attempt_ids: Sequence[str]) -> list[Work]:
    parts = _in_batch_or_alone(ctx, list(attempt_ids), lambda s, ids: _claim(s, ctx, ids), "claim")
    return [work for part in parts for work in part]


def _in_batch_or_alone(
    ctx: JobContext,
    items: list[_T],
    step: Callable[[Session, list[_T]], _R],
    name: str,
) -> list[_R]:
    """Run `step` over all items in one unit of work; if that fails (a row that breaks a rule,
    a deadlock victim), run it again item by item so one bad attempt cannot hold up the rest.
    An item that fails alone is logged and left to its lease and the next sweep."""
    if not items:
        return []
    try:
        with unit_of_work(ctx.session_factory) as session:
            return [step(session, items)]
    except Exception:
        if len(items) == 1:
            raise
        log.warning("recovery.batch_step_failed", step=name, size=len(items), exc_info=True)
    results = []
    for item in items:
        try:
            with unit_of_work(ctx.session_factory) as session:
                results.append(step(session, [item]))
        except Exception:
            log.exception("recovery.step_failed", step=name)
    return results


def _claim(session: Session, ctx: JobContext, attempt_ids: list[str]) -> list[Work]:
    locked = locks.lock_batch(session, attempt_ids)
    cards = sorted(
        {
            (attempt.org_id, transaction.payment_method_ref)
            for attempt, _, transaction in locked
            if attempt.kind == "psp_retry" and transaction.payment_method_ref
        }
    )
    lock_payment_methods(session, cards)
    # Each card's history, read once; attempts claimed in this batch are added as they go.
    histories: dict[tuple[str, str], list[PastAttempt]] = {}
    for org_id, group in groupby(cards, key=lambda card: card[0]):
        refs = [ref for _, ref in group]
        found = card_histories(session, org_id, refs, ctx.clock.now())
        histories.update({(org_id, ref): past for ref, past in found.items()})
    signals = _issuer_signals(session, ctx, locked)
    works = (_claim_one(session, ctx, *row, histories, signals) for row in locked)
    return [work for work in works if work is not None]


def _issuer_signals(
    session: Session,
    ctx: JobContext,
    locked: Sequence[tuple[RecoveryAttempt, RecoveryCase, Transaction]],
) -> dict[tuple[str, str], IssuerSignal]:
    """What each organisation's payments last said about the issuers of the retries about to
    start, read once per organisation."""
    issuers = sorted(
        {
            (attempt.org_id, transaction.card_issuer)
            for attempt, _, transaction in locked
            if attempt.kind == "psp_retry" and not attempt.started_at and transaction.card_issuer
        }
    )
    signals: dict[tuple[str, str], IssuerSignal] = {}
    for org_id, group in groupby(issuers, key=lambda pair: pair[0]):
        names = [name for _, name in group]
        found = issuer_health.issuer_signals(session, org_id, names, ctx.clock.now())
        signals.update({(org_id, name): signal for name, signal in found.items()})
    return signals


def _claim_one(
    session: Session,
    ctx: JobContext,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    transaction: Transaction,
    histories: dict[tuple[str, str], list[PastAttempt]],
    signals: dict[tuple[str, str], IssuerSignal],
) -> Work | None:
    now = ctx.clock.now()
    if attempt.status in (AttemptStatus.DONE, AttemptStatus.CANCELLED):
        return None
    if attempt.status == AttemptStatus.SCHEDULED and attempt.scheduled_for > now:
        return None  # not due yet: the sweep will bring it back
    if (
        attempt.status == AttemptStatus.RUNNING
        and attempt.claimed_until
        and attempt.claimed_until > now
    ):
        return None  # another worker holds it
    if not attempt.started_at and (
        case.status not in OPEN_STATUSES or case.cancel_requested_at is not None
    ):
        _cancel(attempt, now, case)
        return None
    if (
        attempt.kind == "psp_retry"
        and not attempt.started_at
        and manual.hold_back(session, ctx.clock, attempt, case)
    ):
        return None
    if (
        attempt.kind == "psp_retry"
        and not attempt.started_at
        and attempt.planned_by != manual.MANUAL  # the merchant asked for this one now
        and issuer_health.hold_while_down(
            session,
            ctx.clock,
            attempt,
            case,
            transaction.card_issuer,
            signals.get((attempt.org_id, transaction.card_issuer or "")),
            last_try_moment(transaction.payment_method_type, case.expires_at)
            if case.expires_at
            else None,
        )
    ):
        return None
    silent_for = now - attempt.started_at if attempt.started_at else timedelta(0)
    if not attempt.psp_reference and silent_for >= NO_ANSWER_LAST_ASK:
        # The PSP may have forgotten the key by now; asking again could charge afresh.
        detail = "the PSP gave no answer within 22 hours"
        lifecycle.finish_attempt(attempt, now, AttemptOutcome.FAILED, detail)
        timeline.log(session, ctx.clock, case, "attempt_failed", attempt_id=attempt.id)
        if case.status in OPEN_STATUSES:
            planning.plan_case(session, ctx.clock, case, transaction)
        return None
    history: list[PastAttempt] | None = None
    # An attempt that started before (a worker died, or the PSP is still settling it) is asked
    # again under the same key: no new network attempt, so the caps are not consulted again.
    if attempt.kind == "psp_retry" and transaction.payment_method_ref and not attempt.started_at:
        history = histories[(attempt.org_id, transaction.payment_method_ref)]
        decision = check_attempt(manual.proposed_retry(case, transaction, now), history)
        if not decision.allowed:
            lifecycle.finish_attempt(attempt, now, AttemptOutcome.BLOCKED, decision.reason)
            attempt.blocked_by = decision.rule
            attempt.reason = blocked_reason(decision)
            timeline.log(
                session,
                ctx.clock,
                case,
                "blocked",
                attempt_id=attempt.id,
                rule=decision.rule,
                reason=decision.reason,
                why=attempt.reason,
            )
            planning.plan_case(session, ctx.clock, case, transaction)
            return None
    lease = timedelta(seconds=ctx.settings.attempt_lease_seconds)
    started_at = lifecycle.start(attempt, now, now + lease)
    if history is not None:  # on its way to the network: it counts against the card's caps
        history.append(PastAttempt(at=started_at, initiator="merchant", approved=False))
    if case.status in OPEN_STATUSES:
        lifecycle.move_case(case, CaseStatus.IN_PROGRESS)
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
            payment_method_type=transaction.payment_method_type,
            customer_email=transaction.customer_email,
            customer_phone=transaction.customer_phone,
            transaction_ref=transaction.transaction_ref,
        )
    return Work(
        attempt.id, attempt.org_id, attempt.kind, charge, transaction.gateway, attempt.psp_reference
    )


def _charge_all(ctx: JobContext, works: list[Work]) -> dict[str, _Outcome]:
    """Charge each claimed retry. The sandbox keeps its ledger in our database, so its charges
    share one unit of work; real PSPs are called over the network with no transaction open, so
    a slow PSP never holds SQLite's write lock or a PostgreSQL connection."""
    if not works:
        return {}
    providers: dict[tuple[str, str], PaymentProvider | PSPError] = {}
    with unit_of_work(ctx.session_factory) as session:
        for key in {(w.org_id, w.gateway) for w in works}:
            try:
                providers[key] = provider_for(session, ctx.settings, ctx.clock, *key)
            except PSPError as exc:  # e.g. no credentials for the gateway in production
                providers[key] = exc
    local = [w for w in works if isinstance(providers[(w.org_id, w.gateway)], SandboxPSP)]
    remote = [w for w in works if w not in local]
    outcomes: dict[str, _Outcome] = {}
    for part in _in_batch_or_alone(ctx, local, lambda s, ws: _charge(s, providers, ws), "charge"):
        outcomes.update(part)
    # Stop calling well inside the lease: past it, the sweep may hand these attempts to another
    # worker, and two workers must never call the PSP for one attempt at the same time. What is
    # left keeps its lease and is picked up again when it ends.
    deadline = time.monotonic() + ctx.settings.attempt_lease_seconds / 2
    outcomes.update(_charge(None, providers, remote, deadline))
    return outcomes


def _charge(
    session: Session | None,
    providers: dict[tuple[str, str], PaymentProvider | PSPError],
    works: list[Work],
    deadline: float | None = None,
) -> dict[str, _Outcome]:
    outcomes: dict[str, _Outcome] = {}
    for work in works:
        assert work.charge is not None
        if deadline is not None and time.monotonic() > deadline:
            break
        provider = providers[(work.org_id, work.gateway)]
        if isinstance(provider, PSPError):
            outcomes[work.attempt_id] = provider
            continue
        if isinstance(provider, SandboxPSP) and session is not None:
            provider = provider.bound(session)  # its ledger joins this unit of work
        try:
            if work.recheck_reference:
                outcomes[work.attempt_id] = provider.retrieve(work.org_id, work.recheck_reference)
            else:
                outcomes[work.attempt_id] = provider.charge(work.charge)
        except PSPError as exc:
            outcomes[work.attempt_id] = exc
        except Exception as exc:  # an adapter bug must not lose the batch's other results
            if isinstance(exc, SQLAlchemyError):
                raise  # the sandbox's ledger write: the unit of work is gone, start again
            log.exception("recovery.charge_crashed", attempt_id=work.attempt_id)
            outcomes[work.attempt_id] = PSPError(f"the adapter failed: {type(exc).__name__}")
    return outcomes


def _record(
    session: Session, ctx: JobContext, works: list[Work], outcomes: dict[str, _Outcome]
) -> None:
    for attempt, case, transaction in locks.lock_batch(session, [w.attempt_id for w in works]):
        if attempt.kind == "notification":
            outreach.run_notification(session, ctx.clock, ctx.settings, attempt, case, transaction)
        else:
            _record_charge(session, ctx.clock, attempt, case, transaction, outcomes[attempt.id])


def _record_charge(
    session: Session,
    clock: Clock,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    transaction: Transaction,
    result: _Outcome,
) -> None:
    now = clock.now()
    if attempt.status != AttemptStatus.RUNNING:
        return  # recorded by an earlier run
    if isinstance(result, ChargeResult) and result.psp_reference:
        attempt.psp_reference = result.psp_reference  # later checks retrieve it, never re-charge
    if isinstance(result, PSPError) and result.retryable and _ask_again(attempt, now, result):
        timeline.log(
            session,
            clock,
            case,
            "attempt_unanswered",
            attempt_id=attempt.id,
            error=type(result).__name__,
            ask_again_at=attempt.claimed_until.isoformat() if attempt.claimed_until else None,
        )
        return
    if isinstance(result, ChargeResult) and result.status == "pending":
        if _wait_for_settlement(attempt, now, result):
            timeline.log(session, clock, case, "attempt_pending", attempt_id=attempt.id)
            return
        result = PSPError(f"the PSP did not settle {result.psp_reference} in time")
    # Paid by link, cancelled or expired while this charge was out: record what the PSP said,
    # but plan nothing more.
    still_open = case.status in OPEN_STATUSES
    if isinstance(result, PSPError):
        detail = f"the PSP gave no answer: {str(result)[:200]}"
        lifecycle.finish_attempt(attempt, now, AttemptOutcome.FAILED, detail)
        timeline.log(
            session,
            clock,
            case,
            "attempt_failed",
            attempt_id=attempt.id,
            error=type(result).__name__,
        )
    elif result.status == "succeeded":
        if attempt.timing_slot:
            slot_stats.record(session, case.org_id, attempt.timing_slot, succeeded=True, now=now)
        _record_success(session, clock, attempt, case if still_open else None, transaction, result)
        return
    else:
        _record_decline(session, clock, attempt, case, transaction, result, still_open)
    if still_open:
        lifecycle.move_case(case, CaseStatus.SCHEDULED)
        planning.plan_case(session, clock, case, transaction)


def _record_success(
    session: Session,
    clock: Clock,
    attempt: RecoveryAttempt,
    open_case: RecoveryCase | None,
    transaction: Transaction,
    result: ChargeResult,
) -> None:
    now = clock.now()
    detail = f"charged ({result.psp_reference})"
    lifecycle.finish_attempt(attempt, now, AttemptOutcome.SUCCEEDED, detail)
    case = open_case or session.get_one(RecoveryCase, attempt.case_id)
    timeline.log(session, clock, case, "attempt_succeeded", attempt_id=attempt.id)
    if open_case is None:  # the money moved after the case closed: the merchant may refund
        log.warning("recovery.charged_after_close", attempt_id=attempt.id, case_id=case.id)
        timeline.log(session, clock, case, "charged_after_close", attempt_id=attempt.id)
    success_of(
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
        case=open_case,
    )


def _record_decline(
    session: Session,
    clock: Clock,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    transaction: Transaction,
    result: ChargeResult,
    still_open: bool,
) -> None:
    now = clock.now()
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
    lifecycle.finish_attempt(attempt, now, AttemptOutcome.DECLINED, classification.reason)
    # An outage says nothing about the slot's timing: only real declines teach it.
    if attempt.timing_slot and not keeps_category(case.category, classification.category):
        slot_stats.record(session, case.org_id, attempt.timing_slot, succeeded=False, now=now)
    attempt.decline = {
        "decline_code": result.decline_code,
        "failure_code": result.failure_code,
        **classification.to_dict(),
    }
    # An outage met on the way keeps the case's category and budget (recovery.transient).
    if still_open and not keeps_category(case.category, classification.category):
        case.classification = classification.to_dict()
        case.category, case.decline_type = classification.category, classification.decline_type
    timeline.log(
        session,
        clock,
        case,
        "attempt_declined",
        attempt_id=attempt.id,
        category=classification.category,
        decline_code=result.decline_code,
    )


def _ask_again(attempt: RecoveryAttempt, now: datetime, error: PSPError) -> bool:
    """No answer about the money (timeout, 5xx, rate limit): the charge may have gone through,
    so it must be asked again under the same key, never replaced by a new attempt (a second
    key could charge twice). Backs off as the silence grows; gives up within the 24 hours a
    PSP keeps idempotency keys; after that only the PSP's webhook can settle it."""
    waited = now - (attempt.started_at or now)
    if waited >= NO_ANSWER_GIVE_UP:
        return False
    wait = min(max(waited, NO_ANSWER_FIRST_WAIT), NO_ANSWER_MAX_WAIT)
    if isinstance(error, PSPRateLimited):
        wait = max(wait, timedelta(seconds=error.retry_after_seconds))
    attempt.claimed_until = min(now + wait, (attempt.started_at or now) + NO_ANSWER_GIVE_UP)
    attempt.detail = f"no answer from the PSP yet ({type(error).__name__}); asking again"
    return True


def _wait_for_settlement(attempt: RecoveryAttempt, now: datetime, result: ChargeResult) -> bool:
    """A debit the PSP settles later (e-mandates, bank debits): look again (by its reference,
    never by charging) each hour until its webhook or a look says how it ended, for at most
    PENDING_GIVE_UP."""
    if now - (attempt.started_at or now) >= PENDING_GIVE_UP:
        return False
    attempt.claimed_until = now + PENDING_RECHECK
    attempt.detail = f"the PSP is settling the charge ({result.psp_reference})"
    return True


def _cancel(attempt: RecoveryAttempt, now: datetime, case: RecoveryCase) -> None:
    detail = f"case already {case.status}"
    lifecycle.finish_attempt(
        attempt, now, AttemptOutcome.CANCELLED, detail, AttemptStatus.CANCELLED
    )
    attempt.reason = lifecycle.cancelled_reason(case)
