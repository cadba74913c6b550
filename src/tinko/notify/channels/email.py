"""Building the email itself: multipart/alternative (text, then HTML) with one-click opt-out."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

from tinko.notify.channels.base import Outgoing


def sender_domain(mail_from: str) -> str:
    addresses = getaddresses([mail_from])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2] or "localhost"


# SMTP line endings, and lines up to RFC 5322's hard limit: under the default 78 a long
# unsubscribe URL is turned into an RFC 2047 encoded word that mail clients cannot use.
_POLICY = policy.SMTP.clone(max_line_length=998)


def build_email(mail_from: str, message: Outgoing) -> EmailMessage:
    email = EmailMessage(policy=_POLICY)
    email["From"] = mail_from
    email["To"] = Address(addr_spec=message.recipient)
    email["Subject"] = message.subject
    email["Date"] = formatdate(message.created_at.timestamp(), usegmt=True)
    # Derived from our row id, so a resend after a lost reply is recognisable as the same mail.
    email["Message-ID"] = make_msgid(idstring=message.id, domain=sender_domain(mail_from))
    if message.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer one-click unsubscribe with a POST.
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email
