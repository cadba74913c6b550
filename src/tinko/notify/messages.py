"""Customer messages for recovery (email, SMS, WhatsApp) through the outbound seam.

Until the notifications issue adds real channels and merchant templates, messages go to the
dev outbox with plain default copy.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def queue_message(session: Session, clock: Clock, org_id: str | None, message: Message) -> str:
    """Store the message and deliver it in a job once this unit of work commits."""
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
        created_at=clock.now(),
    )
    session.add(row)
    enqueue(session, "notify.deliver_message", message_id=row.id)
    return row.id
