"""Delivering one message: claim it, send it outside any transaction, record what happened.

The claim is a status transition under a row lock (queued → sending), so two runs of the job
never both send. Before claiming, customer messages are checked again: a case that closed or
a recipient who opted out since the message was queued cancels it; quiet hours defer it to
their end. After the send, transient failures go back to `queued` with an exponential
backoff (`not_before`), permanent ones and the last try end as `failed` with the provider's
reason. Nothing here raises to the worker for a message's own problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final

import structlog
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.merchant_webhooks.service import emit, wants
from tinko.notify.channels import channel_for
from tinko.notify.channels.base import (
    DeliveryError,
    Outgoing,
    PermanentFailure,
    Sent,
    TransientFailure,
)
from tinko.notify.contacts import InvalidContact, normalise
from tinko.notify.models import OutboundMessage
from tinko.notify.optouts import is_opted_out
from tinko.policies.service import active_policy_row
from tinko.policies.windows import quiet_hours_end
from tinko.reasons import Reason, ReasonCode, make
from tinko.tenancy.models import Organization
from tinko.tenancy.prefs import message_prefs

log = structlog.get_logger("tinko.notify")

MAX_TRIES: Final = 5
FIRST_BACKOFF: Final = timedelta(minutes=1)
BACKOFF_FACTOR: Final = 4  # 1, 4, 16, 64 minutes between the five tries
# A message left `sending` this long belongs to a worker that died mid-send.
SEND_LEASE: Final = timedelta(minutes=10)


@dataclass(frozen=True)
class CaseState:
    """What delivery needs to know of the recovery case a message is about."""

    open: bool
    status: str
    category: str | None


# (session, org id, case id) → the case's state, or None if the org has no such case. Given by
# the caller, so notify does not depend on recovery (recovery.outreach.case_state).
CaseLookup = Callable[[Session, str, str], CaseState | None]


@dataclass(frozen=True)
class QuietHours:
    timezone: str
    start: time
    end: time


def claim(
    session: Session, clock: Clock, message_id: str, case_lookup: CaseLookup
) -> Outgoing | None:
    """The message to send now, marked `sending`; None if it is not ours to send now."""
    message = session.get(OutboundMessage, message_id, with_for_update=True)
    now = clock.now()
    if message is None or message.status != "queued":
        return None  # sent, failed or cancelled already, or another run holds it
    if message.not_before is not None and message.not_before > now:
        return None  # the sweep brings it back when its time comes
    try:
        message.recipient = normalise(message.channel, message.recipient)
    except InvalidContact as exc:
        _fail(session, message, now, str(exc))
        return None
    if message.case_id is not None:
        assert message.org_id is not None
        case = case_lookup(session, message.org_id, message.case_id)
        cancel = _reason_to_cancel(session, message, case)
        if cancel is not None or case is None:
            text, why = cancel or _GONE
            _close(message, now, "cancelled", text)
            message.reason = why
            return None
        resume_at, quiet = _quiet_until(session, message, now, case.category)
        if resume_at > now:
            message.not_before = resume_at
            message.updated_at = now
            message.reason = make(
                ReasonCode.SHIFTED_QUIET_HOURS,
                None,
                channel=message.channel,
                timezone=quiet.timezone,
                quiet_start=f"{quiet.start:%H:%M}",
                quiet_end=f"{quiet.end:%H:%M}",
                **{"from": now, "to": resume_at},
            )
            log.info("message_deferred_for_quiet_hours", message_id=message.id)
            return None
    message.status = "sending"
    message.tries += 1
    message.claimed_at = now
    message.updated_at = now
    return _outgoing(message)


def send(settings: Settings, outgoing: Outgoing) -> Sent | DeliveryError:
    try:
        return channel_for(settings, outgoing.channel).send(outgoing)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # a bug or an SDK surprise must not kill the worker
        log.exception("message_send_crashed", message_id=outgoing.id)
        return TransientFailure(f"unexpected error while sending: {type(exc).__name__}")


def record(session: Session, clock: Clock, message_id: str, outcome: Sent | DeliveryError) -> None:
    message = session.get(OutboundMessage, message_id, with_for_update=True)
    if message is None or message.status != "sending":
        return
    now = clock.now()
    if isinstance(outcome, Sent):
        message.provider_message_id = outcome.provider_message_id
        message.sent_at = now
        _close(message, now, outcome.status, None)
        log.info("message_sent", message_id=message.id, channel=message.channel)
        return
    log.warning(
        "message_send_failed",
        message_id=message.id,
        channel=message.channel,
        permanent=isinstance(outcome, PermanentFailure),
        tries=message.tries,
    )
    if isinstance(outcome, PermanentFailure) or message.tries >= MAX_TRIES:
        _fail(session, message, now, outcome.reason)
        return
    message.status = "queued"
    message.error = outcome.reason
    message.not_before = now + FIRST_BACKOFF * BACKOFF_FACTOR ** (message.tries - 1)
    message.updated_at = now


def release_stale_sends(message: OutboundMessage, now: datetime) -> None:
    """A worker died between claim and record: offer the message again (at least once)."""
    message.status = "queued"
    message.error = "the worker stopped while sending; trying again"
    message.not_before = now
    message.updated_at = now


def _fail(session: Session, message: OutboundMessage, now: datetime, error: str) -> None:
    """The message will not be sent: closed as failed, and the merchant's systems told."""
    _close(message, now, "failed", error)
    org_id, case_id = message.org_id, message.case_id  # recovery messages only, not account mail
    if org_id and case_id and wants(session, org_id, "notification.failed"):
        data = {
            "message_id": message.id,
            "recovery_id": message.case_id,
            "channel": message.channel,
            "kind": message.kind,
            "tries": message.tries,
            "explanation": error,
        }
        emit(session, now, org_id, "notification.failed", data)


def _close(message: OutboundMessage, now: datetime, status: str, error: str | None) -> None:
    message.status = status
    message.error = error
    message.not_before = None
    message.updated_at = now


_GONE: Final = (
    "the recovery case no longer exists",
    make(ReasonCode.CANCELLED_CASE_CLOSED, status="cancelled"),
)


def _reason_to_cancel(
    session: Session, message: OutboundMessage, case: CaseState | None
) -> tuple[str, Reason] | None:
    """Why a queued customer message must not go out now, in words and as a reason."""
    assert message.org_id is not None
    if case is None:
        return _GONE
    if not case.open:
        closed = (
            make(ReasonCode.CANCELLED_BY_MERCHANT)
            if case.status == "cancelled"
            else make(ReasonCode.CANCELLED_CASE_CLOSED, status=case.status)
        )
        return f"the recovery case is {case.status}", closed
    if is_opted_out(session, message.org_id, message.channel, message.recipient):
        opted_out = make(ReasonCode.SKIPPED_OPTED_OUT, channel=message.channel)
        return f"the recipient opted out of {message.channel} messages", opted_out
    return None


def quiet_hours_for(session: Session, org: Organization, category: str | None) -> QuietHours:
    """The active retry policy's quiet hours (in its windows' zone), else the org's own
    (21:00-08:00 unless changed) in the org's time zone."""
    policy = active_policy_row(session, org.id, category)
    if policy is not None and policy.quiet_start and policy.quiet_end:
        timezone = str(policy.windows.get("timezone") or org.timezone)
        start, end = time.fromisoformat(policy.quiet_start), time.fromisoformat(policy.quiet_end)
        return QuietHours(timezone, start, end)
    prefs = message_prefs(org)
    return QuietHours(org.timezone, prefs.quiet_start, prefs.quiet_end)


def _quiet_until(
    session: Session, message: OutboundMessage, now: datetime, category: str | None
) -> tuple[datetime, QuietHours]:
    assert message.org_id is not None
    org = session.get_one(Organization, message.org_id)
    quiet = quiet_hours_for(session, org, category)
    try:
        return quiet_hours_end(now, quiet.timezone, quiet.start, quiet.end), quiet
    except ValueError:
        # An unknown zone or hours covering the day: never hold messages forever.
        return now, quiet


def _outgoing(message: OutboundMessage) -> Outgoing:
    return Outgoing(
        id=message.id,
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        text=message.body_text,
        html=message.body_html,
        created_at=message.created_at,
        unsubscribe_url=message.unsubscribe_url,
        provider_template_id=message.provider_template_id,
        provider_variables={k: str(v) for k, v in (message.provider_variables or {}).items()},
    )
