from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tinko.db import Base


class OutboundMessage(Base):
    """Every message we send or would send; in dev the outbox is where it stops."""

    __tablename__ = "outbound_message"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | whatsapp
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))  # password_reset | invite | recovery ...
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
