"""Sending a customer a payment link: the plan's notification steps and the merchant's own
request (`POST …/link` with a channel). Either way the link in the message is the link
issued here, the one the caller sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.notify.delivery import CaseState
from tinko.payments.models import Transaction
from tinko.reasons import Reason, ReasonCode, make
from tinko.recovery import lifecycle, planning, timeline
from tinko.recovery.link_message import queue_link_message
from tinko.recovery.links import IssuedLink, issue_link
from tinko.recovery.models import OPEN_STATUSES, RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import AttemptOutcome, AttemptStatus, CaseStatus
from tinko.tenancy.models import Organization


@dataclass(frozen=True)
class Outreach:
    issued: IssuedLink
    message_id: str | None  # None: not sent (opted out, no contact, cap), see `detail`
    detail: str
    skipped: Reason | None = None  # why it was not sent


def issue_and_send(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    channel: str | None,
    reason: Reason | None = None,
) -> Outreach:
    """Issue a link and, with a channel, queue a message carrying that very link (opt-outs,
    the frequency cap and, at delivery, quiet hours apply). `reason` says why it is sent:
    the plan's step, or the merchant's request."""
    org = session.get_one(Organization, case.org_id)
    issued = issue_link(
        session,
        clock,
        secret_key=settings.secret_key,
        base_url=settings.base_url,
        case=case,
        ttl=timedelta(hours=org.link_ttl_hours),
        channel=channel,
    )
    if channel is None:
        return Outreach(issued, None, "no channel asked for")
    queued = queue_link_message(
        session,
        clock,
        settings,
        org=org,
        case=case,
        transaction=transaction,
        channel=channel,
        link_url=issued.url,
        link_expires_at=issued.link.expires_at,
        link=issued.link,
        reason=reason,
    )
    return Outreach(issued, queued.message_id, queued.detail, queued.skipped)


def send_new_link(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    channel: str | None,
) -> Outreach:
    """The merchant's "new link" (the API's `…/link` and the console's button): issue it, send
    it when a channel is given, and note both on the case's timeline."""
    why = make(ReasonCode.LINK_SENT_BY_MERCHANT, channel=channel) if channel else None
    sent = issue_and_send(
        session, clock, settings, case=case, transaction=transaction, channel=channel, reason=why
    )
    link_id = sent.issued.link.id
    timeline.log(session, clock, case, "link_created", link_id=link_id, channel=channel)
    if channel is not None:
        kind = "link_sent" if sent.message_id else "message_skipped"
        why = why if sent.message_id else sent.skipped
        timeline.log(
            session,
            clock,
            case,
            kind,
            link_id=link_id,
            channel=channel,
            reason=sent.detail,
            why=why,
        )
    return sent


def run_notification(
    session: Session,
    clock: Clock,
    settings: Settings,
    attempt: RecoveryAttempt,
    case: RecoveryCase,
    transaction: Transaction,
) -> None:
    """A planned notification step: send a fresh link, then plan what follows."""
    now = clock.now()
    if attempt.status != AttemptStatus.RUNNING:
        return
    if case.status not in OPEN_STATUSES or case.cancel_requested_at is not None:
        # Closed (or being cancelled) since the claim: no message after the fact.
        detail = f"case already {case.status}"
        lifecycle.finish_attempt(
            attempt, now, AttemptOutcome.CANCELLED, detail, AttemptStatus.CANCELLED
        )
        attempt.reason = lifecycle.cancelled_reason(case)
        return
    channel = attempt.channel or "email"
    # The message carries the reason its step was planned with.
    sent = issue_and_send(
        session,
        clock,
        settings,
        case=case,
        transaction=transaction,
        channel=channel,
        reason=attempt.reason,
    )
    if sent.message_id is not None:
        lifecycle.finish_attempt(attempt, now, AttemptOutcome.SUCCEEDED, sent.detail)
        timeline.log(
            session,
            clock,
            case,
            "link_sent",
            attempt_id=attempt.id,
            channel=channel,
            link_id=sent.issued.link.id,
        )
    else:  # opted out, no usable contact, or the customer's message cap: the link goes unused
        session.delete(sent.issued.link)
        lifecycle.finish_attempt(attempt, now, AttemptOutcome.SKIPPED, sent.detail)
        attempt.reason = sent.skipped
        timeline.log(
            session,
            clock,
            case,
            "message_skipped",
            attempt_id=attempt.id,
            reason=sent.detail,
            why=sent.skipped,
        )
    lifecycle.move_case(case, CaseStatus.SCHEDULED)
    planning.plan_case(session, clock, case, transaction)


def case_state(session: Session, org_id: str, case_id: str) -> CaseState | None:
    """For notify's delivery: is the case a message is about still open, and its category."""
    case = session.get(RecoveryCase, case_id)
    if case is None or case.org_id != org_id:
        return None
    return CaseState(case.status in OPEN_STATUSES, case.status, case.category)
