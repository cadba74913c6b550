"""The delivery log as people read it: an organisation's messages, newest first, by keyset
pages over the message id, with what the provider said (its id, the error, the tries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinko.notify.models import OutboundMessage

STATUSES: Final = ("queued", "sending", "sent", "delivered", "failed", "cancelled", "outbox")
CHANNELS: Final = ("email", "sms", "whatsapp")


@dataclass(frozen=True)
class MessagePage:
    rows: list[OutboundMessage]
    next_after: str | None
    by_status: dict[str, int]


def delivery_log(
    session: Session,
    org_id: str,
    *,
    status: str | None = None,
    channel: str | None = None,
    after: str | None = None,
    limit: int = 25,
) -> MessagePage:
    """One page of the organisation's messages (newest first) and counts per status."""
    conditions = [OutboundMessage.org_id == org_id]
    if channel is not None:
        conditions.append(OutboundMessage.channel == channel)
    counted = select(OutboundMessage.status, func.count(OutboundMessage.id)).where(*conditions)
    by_status = {
        str(s): int(n) for s, n in session.execute(counted.group_by(OutboundMessage.status))
    }
    if status is not None:
        conditions.append(OutboundMessage.status == status)
    statement = select(OutboundMessage).where(*conditions)
    if after is not None:
        statement = statement.where(OutboundMessage.id < after)
    rows = list(session.scalars(statement.order_by(OutboundMessage.id.desc()).limit(limit + 1)))
    return MessagePage(rows[:limit], rows[limit - 1].id if len(rows) > limit else None, by_status)
