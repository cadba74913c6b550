from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tinko.audit.watch import watch
from tinko.db import Base, PortableJSON


class OutboundMessage(Base):
    """Every message we send or would send, and what became of it (the delivery log).

    Status: queued → sending → sent | failed | cancelled | outbox (dev). A queued row with
    `not_before` waits for a retry's backoff or the end of quiet hours; the sweep offers it
    again when that moment has come.
    """

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_message_due", "status", "not_before"),
        Index("ix_outbound_message_customer", "org_id", "customer_key", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | whatsapp
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))  # password_reset | invite | recovery_link
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    case_id: Mapped[str | None] = mapped_column(String(40), index=True)
    customer_key: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    template_id: Mapped[str | None] = mapped_column(String(40))
    template_version: Mapped[int | None] = mapped_column(Integer)
    # The one-click opt-out address for this recipient (List-Unsubscribe); none for account mail.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    # WhatsApp approved template: Twilio Content SID and its numbered variables.
    provider_template_id: Mapped[str | None] = mapped_column(String(64))
    provider_variables: Mapped[dict[str, Any] | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_before: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime | None]
    # Why it was sent, moved or cancelled (tinko.reasons); None on older rows and account mail.
    reason: Mapped[dict[str, Any] | None]


class MessageTemplate(Base):
    """A merchant's template for one (channel, locale, kind); each save is a new version."""

    __tablename__ = "message_template"
    __table_args__ = (Index("ix_message_template_key", "org_id", "channel", "locale", "kind"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class MessageTemplateVersion(Base):
    """One saved version of a template; never updated, so a sent message names what it used."""

    __tablename__ = "message_template_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[str] = mapped_column(ForeignKey("message_template.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    provider_template_id: Mapped[str | None] = mapped_column(String(64))
    provider_variables: Mapped[list[str]] = mapped_column(PortableJSON)
    created_by: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]


class NotificationOptOut(Base):
    """A recipient who asked for no more messages from this org on this channel.

    The recipient is kept only as the SHA-256 of its normalised form (E.164 or lower-case
    email): enough to honour the opt-out, nothing to read back.
    """

    __tablename__ = "notification_opt_out"
    __table_args__ = (UniqueConstraint("org_id", "channel", "recipient_digest"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    recipient_digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(24))  # link | one_click
    created_at: Mapped[datetime]


# Changes to these rows are audited with their before and after (tinko.audit.watch).
watch(MessageTemplate, "template")
watch(MessageTemplateVersion, "template_version")
