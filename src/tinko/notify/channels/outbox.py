"""The dev outbox: with no mail server or Twilio account set, messages are kept, not sent.

Each one is a file under `<var>/outbox/` (`.eml` for email, `.txt` for SMS and WhatsApp), next
to its row in the delivery log, so the embedded demo needs no mail server.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from tinko.notify.channels.base import Outgoing, Sent
from tinko.notify.channels.email import build_email

log = structlog.get_logger("tinko.notify")


class DevOutbox:
    def __init__(self, var_dir: Path, mail_from: str) -> None:
        self.folder = var_dir / "outbox"
        self.mail_from = mail_from

    def send(self, message: Outgoing) -> Sent:
        self.folder.mkdir(parents=True, exist_ok=True)
        if message.channel == "email":
            path = self.folder / f"{message.id}.eml"
            path.write_bytes(bytes(build_email(self.mail_from, message)))
        else:
            path = self.folder / f"{message.id}.txt"
            path.write_text(f"To: {message.channel}:{message.recipient}\n\n{message.text}\n")
        # The body may hold a single-use link: log where it is, never what it says.
        log.info("message_kept_in_outbox", channel=message.channel, message_id=message.id)
        return Sent(provider_message_id=f"outbox:{path.name}", status="outbox")
