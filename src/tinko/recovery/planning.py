"""Planning a case: read its payment, attempts, policy, rules and the card's history, ask the
pure `decide` for the next steps, and write them down as scheduled attempts."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from tinko.audit.writer import plain
from tinko.errors import NotFound
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.merchant_webhooks.service import emit, wants
from tinko.notify.contacts import CHANNELS, InvalidContact, normalise
from tinko.notify.optouts import is_opted_out
from tinko.notify.zones import customer_zone, possible_zones
from tinko.payments.models import Transaction
from tinko.policies.defaults import PolicySpec
from tinko.policies.paydays import pay_calendar_key
from tinko.policies.service import policy_for
from tinko.reasons import ReasonCode, make
from tinko.recovery import lifecycle, slot_stats
from tinko.recovery.card_history import card_history
from tinko.recovery.decide import AttemptView, PaymentView, case_facts, decide, rule_context
from tinko.recovery.engine import list_attempts
from tinko.recovery.holdout import customer_key, in_holdout
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt, RecoveryCase
from tinko.recovery.planner import Plan, blocked_reason
from tinko.recovery.statuses import CaseStatus
from tinko.recovery.timeline import case_data, log
from tinko.recovery.timing import scope as timing_scope
from tinko.rules import Decision
from tinko.rules.service import current_rules
from tinko.tenancy.models import Organization
from tinko.tenancy.prefs import message_prefs

HOLDOUT_REASON = "holdout: measured without retries or messages"


def plan_case(
    session: Session,
    clock: Clock,
    case: RecoveryCase,
    transaction: Transaction,
    rng: random.Random | None = None,
) -> Plan:
    """Decide and write down the next steps of an open case (nothing for a closed one).

    ``rng`` drives learned timing when the policy turns it on; by default it is seeded from
    the case and its number of attempts, so planning the same state again chooses the same."""
    if case.status not in OPEN_STATUSES:
        return Plan(steps=())
    if case.cancel_requested_at is not None:
        lifecycle.settle_cancel(session, clock, case)
        return Plan(steps=())
    now = clock.now()
    org = session.get_one(Organization, case.org_id)
    policy = _with_org_quiet_hours(
        policy_for(
            session, case.org_id, case.category, transaction.payment_method_type, org.timezone
        ),
        org,
    )
    if case.expires_at is None:
        case.expires_at = case.created_at + timedelta(days=policy.window_days)
        case.policy_name, case.policy_id = policy.name, policy.id
        key = customer_key(
            transaction.customer_ref,
            transaction.customer_email,
            transaction.customer_phone,
            transaction.id,
        )
        case.holdout = in_holdout(case.org_id, key, org.holdout_percent)
    if case.holdout:
        # Measured, not worked: the case stays payable (a link the merchant sends, a payment
        # outside Tinko) but Tinko plans no retry and no message for it.
        why = make(ReasonCode.HOLDOUT, percent=org.holdout_percent)
        lifecycle.close_case(session, clock, case, CaseStatus.EXHAUSTED, HOLDOUT_REASON, why=why)
        return Plan(steps=())
    attempts = list_attempts(session, case.org_id, case.id)
    timing = None
    if policy.learned_timing:
        method, network = transaction.payment_method_type, transaction.card_network
        scope = timing_scope(case.category, method, network)
        rng = rng or random.Random(f"{case.id}/{len(attempts)}")
        timing = slot_stats.timing_for(session, case.org_id, scope, rng)
    plan, decision = decide(
        payment_view(
            case, transaction, now, org.timezone, message_prefs(org).use_customer_timezone
        ),
        [attempt_view(a) for a in attempts],
        policy,
        current_rules(session, case.org_id),
        lambda: card_history(session, transaction, now),
        now,
        timing,
    )
    if decision.matched is not None:
        newly = (case.rule_id, case.rule_version) != (decision.matched.id, decision.matched.version)
        case.rule_id, case.rule_version = decision.matched.id, decision.matched.version
        if newly and any(action.type == "notify_merchant" for action in decision.actions):
            _notify_merchant(session, clock, case, decision)
    if plan.blocked is not None:
        log(
            session,
            clock,
            case,
            "retry_blocked",
            rule=plan.blocked.rule,
            reason=plan.blocked.reason,
            why=blocked_reason(plan.blocked),
        )
    number = len(attempts)
    for step in plan.steps:
        number += 1
        attempt = RecoveryAttempt(
            id=new_id("att"),
            org_id=case.org_id,
            case_id=case.id,
            kind=step.kind,
            channel=step.channel,
            attempt_number=number,
            status=lifecycle.INITIAL_ATTEMPT_STATUS,
            scheduled_for=step.at,
            payment_method_ref=transaction.payment_method_ref,
            card_network=transaction.card_network,
            planned_by=step.planned_by,
            detail=step.reason,
            timing_slot=step.slot,
            reason=step.why,
            created_at=now,
        )
        session.add(attempt)
        attempts.append(attempt)
        log(
            session,
            clock,
            case,
            "planned",
            attempt_id=attempt.id,
            kind=step.kind,
            channel=step.channel,
            scheduled_for=step.at.isoformat(),
            reason=step.reason,
            planned_by=step.planned_by,
            why=step.why,
        )
    lifecycle.refresh(session, clock, case, attempts, plan.stop_reason, plan.stop_why)
    return plan


def _notify_merchant(
    session: Session, clock: Clock, case: RecoveryCase, decision: Decision
) -> None:
    """The rule action `notify_merchant`: a `merchant.notified` webhook, once per rule version
    that matches the case, carrying the rule and the trace of why it matched."""
    if not wants(session, case.org_id, "merchant.notified"):
        return
    explained = decision.to_dict()
    detail = {"reason": "a rule asked to notify the merchant", "rule": explained["matched"]}
    data = case_data(session, case, "rule_matched", detail)
    data["decision"] = plain(explained)
    emit(session, clock.now(), case.org_id, "merchant.notified", data)


def attempt_view(attempt: RecoveryAttempt) -> AttemptView:
    decline = attempt.decline or {}
    category = decline.get("category")
    return AttemptView(
        attempt.kind,
        attempt.status,
        attempt.outcome,
        attempt.finished_at,
        category if isinstance(category, str) else None,
    )


def _with_org_quiet_hours(policy: PolicySpec, org: Organization) -> PolicySpec:
    """A built-in policy's quiet hours are the org's own (a merchant policy keeps its own),
    so the planner and delivery hold messages to the same hours."""
    if policy.id is not None or policy.quiet_hours is None:
        return policy
    prefs = message_prefs(org)
    return replace(policy, quiet_hours=(prefs.quiet_start, prefs.quiet_end))


def payment_view(
    case: RecoveryCase,
    transaction: Transaction,
    now: datetime,
    org_zone: str | None = None,
    customer_clock: bool = True,
) -> PaymentView:
    """What the decision reads of a case and its payment. Without `customer_clock` (the org
    turned the customer's time zone off) the decision uses the merchant's zone."""
    return PaymentView(
        category=case.category,
        decline_type=case.decline_type,
        classification=case.classification,
        amount_minor=transaction.amount_minor,
        currency=transaction.currency,
        gateway=transaction.gateway,
        payment_method_type=transaction.payment_method_type,
        payment_method_ref=transaction.payment_method_ref,
        card_network=transaction.card_network,
        country=transaction.country,
        customer_ref=transaction.customer_ref,
        customer_email=transaction.customer_email,
        customer_locale=transaction.customer_locale,
        metadata=transaction.metadata_,
        failed_at=transaction.last_failed_at or case.created_at,
        expires_at=case.expires_at or now,
        reachable_channels=tuple(_reachable_channels(transaction)),
        customer_timezone=customer_zone(
            transaction.customer_timezone,
            transaction.customer_phone,
            transaction.country,
            org_zone,
        )
        if customer_clock
        else None,
        pay_calendar=pay_calendar_key(
            transaction.country, transaction.customer_phone, transaction.currency, org_zone
        ),
        message_zones=possible_zones(
            transaction.customer_timezone, transaction.customer_phone, transaction.country
        ),
    )


def _reachable_channels(transaction: Transaction) -> list[str]:
    """Channels we hold a usable contact for that the customer has not opted out of: a
    channel the notifier would skip must not count, or the planner re-plans it at once."""
    session = object_session(transaction)
    reachable = []
    for channel in CHANNELS:
        raw = transaction.customer_email if channel == "email" else transaction.customer_phone
        if not raw:
            continue
        try:
            recipient = normalise(channel, raw, transaction.country)
        except InvalidContact:
            continue  # the notifier refuses it too
        if session is not None and is_opted_out(session, transaction.org_id, channel, recipient):
            continue
        reachable.append(channel)
    return reachable


def case_rule_context(
    session: Session, org_id: str, case_or_ref: str, now: datetime
) -> tuple[RecoveryCase, dict[str, object]]:
    """The rule context a case would be decided on now (the rules tester's "real case"),
    by case id or by transaction reference (its latest case)."""
    case = session.scalars(
        select(RecoveryCase)
        .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
        .where(
            RecoveryCase.org_id == org_id,
            Transaction.org_id == org_id,
            (RecoveryCase.id == case_or_ref) | (Transaction.transaction_ref == case_or_ref),
        )
        .order_by(RecoveryCase.created_at.desc(), RecoveryCase.id.desc())
        .limit(1)
    ).first()
    if case is None:
        raise NotFound("No such recovery in your organisation.")
    transaction = session.get_one(Transaction, case.transaction_id)
    org = session.get_one(Organization, org_id)
    payment = payment_view(
        case, transaction, now, org.timezone, message_prefs(org).use_customer_timezone
    )
    attempts = [attempt_view(a) for a in list_attempts(session, org_id, case.id)]
    return case, rule_context(payment, case_facts(payment, attempts, now), now)
