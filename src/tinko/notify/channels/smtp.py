"""Email over SMTP with the standard library: plain, STARTTLS or implicit TLS, login if set.

SMTP replies decide what happens next (RFC 5321 §4.2.1): 4xx is a temporary condition, worth
retrying; 5xx is permanent for this message. A server we cannot reach is temporary.
"""

from __future__ import annotations

import smtplib
import ssl

from tinko.config import Settings
from tinko.notify.channels.base import Outgoing, PermanentFailure, Sent, TransientFailure
from tinko.notify.channels.email import build_email

TIMEOUT_SECONDS = 20


class SmtpChannel:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.user = settings.smtp_user
        self.password = settings.smtp_password or ""
        self.mail_from = settings.mail_from

    def send(self, message: Outgoing) -> Sent:
        email = build_email(self.mail_from, message)
        try:
            with self._connect() as server:
                if self.user:
                    server.login(self.user, self.password)
                server.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _by_code(code, reply) from None
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: keep it for when the settings are fixed.
            raise TransientFailure(f"mail server refused our login: {exc.smtp_code}") from None
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"mail server {self.host}:{self.port}: {exc}") from None
        return Sent(provider_message_id=str(email["Message-ID"]))

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=context)
        server = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        if self.security == "starttls":
            try:
                server.starttls(context=context)
            except BaseException:
                server.close()
                raise
        return server


def _by_code(code: int, reply: bytes | str) -> TransientFailure | PermanentFailure:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    reason = f"SMTP {code} {text}".strip()
    return PermanentFailure(reason) if 500 <= code < 600 else TransientFailure(reason)
