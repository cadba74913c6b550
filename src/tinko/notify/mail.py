"""The mail seam for account mail (password reset, invitations).

Callers queue a message inside their unit of work; `notify.deliver_message` sends it through
the email channel: SMTP when TINKO_SMTP_HOST is set, else the dev outbox (`<var>/outbox/`).
Account mail is not marketing: no opt-out link, no quiet hours, no frequency cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tinko.kit.clock import Clock
from tinko.notify.messages import Message, queue_message


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
