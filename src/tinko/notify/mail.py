"""The mail seam. Callers queue a message inside their unit of work; a job delivers it.

Until SMTP settings exist, delivery writes the message to the dev outbox: the database row
plus an `.eml` file under `<var>/outbox/`, so a developer can open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import structlog
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.notify.messages import Message, queue_message
from tinko.notify.models import OutboundMessage

log = structlog.get_logger("tinko.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    kind: str
    html: str | None = None


def queue_mail(session: Session, clock: Clock, org_id: str | None, mail: Mail) -> str:
    message = Message("email", mail.to, mail.subject, mail.text, mail.kind, html=mail.html)
    return queue_message(session, clock, org_id, message)


def build_email(settings: Settings, message: OutboundMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    email["Message-ID"] = make_msgid(idstring=message.id, domain="tinko.local")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def write_to_outbox(settings: Settings, message: OutboundMessage) -> None:
    folder = settings.var_dir / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id}.eml"
    path.write_bytes(bytes(build_email(settings, message)))
    # The body may hold a single-use link: log where it is, never what it says.
    log.info("mail_written_to_outbox", kind=message.kind, path=str(path), message_id=message.id)
