"""Queueing a message: store the row, deliver it in a job once this unit of work commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.jobs.outbox import enqueue
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.notify.models import OutboundMessage


@dataclass(frozen=True)
class Message:
    channel: str  # email | sms | whatsapp
    to: str
    subject: str
    text: str
    kind: str
    html: str | None = None
    case_id: str | None = None
    customer_key: str | None = None
    locale: str | None = None
    template_id: str | None = None
    template_version: int | None = None
    unsubscribe_url: str | None = None
    provider_template_id: str | None = None
    provider_variables: dict[str, Any] = field(default_factory=dict)
    reason: dict[str, Any] | None = None  # why it is sent (tinko.reasons)


def queue_message(session: Session, clock: Clock, org_id: str | None, message: Message) -> str:
    now = clock.now()
    row = OutboundMessage(
        id=new_id("msg"),
        org_id=org_id,
        channel=message.channel,
        recipient=message.to,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
        kind=message.kind,
        status="queued",
        created_at=now,
        updated_at=now,
        tries=0,
        case_id=message.case_id,
        customer_key=message.customer_key,
        locale=message.locale,
        template_id=message.template_id,
        template_version=message.template_version,
        unsubscribe_url=message.unsubscribe_url,
        provider_template_id=message.provider_template_id,
        provider_variables=message.provider_variables or None,
        reason=message.reason,
    )
    session.add(row)
    enqueue(session, "notify.deliver_message", message_id=row.id)
    return row.id


def on_its_way(session: Session, org_id: str, message_id: str) -> tuple[str, str] | None:
    """(channel, recipient) of a message sent or still due to go; None once it failed or was
    cancelled (opted out, case closed): then it reached no one."""
    row = session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.org_id == org_id, OutboundMessage.id == message_id
        )
    ).one_or_none()
    if row is None or row.status in ("failed", "cancelled"):
        return None
    return row.channel, row.recipient
