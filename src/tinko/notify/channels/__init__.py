"""Channels behind one interface; the settings decide which one carries each message."""

from __future__ import annotations

from tinko.config import Settings
from tinko.notify.channels.base import Channel
from tinko.notify.channels.outbox import DevOutbox
from tinko.notify.channels.smtp import SmtpChannel
from tinko.notify.channels.twilio_api import TwilioChannel


def channel_for(settings: Settings, channel: str) -> Channel:
    """SMTP when TINKO_SMTP_HOST is set, Twilio when its account and sender are; else the
    dev outbox, which keeps the message instead of sending it."""
    if channel == "email" and settings.smtp_host:
        return SmtpChannel(settings)
    account = settings.twilio_account_sid and settings.twilio_auth_token
    if channel == "sms" and account and settings.twilio_sms_from:
        return TwilioChannel(settings, "sms")
    if channel == "whatsapp" and account and settings.twilio_whatsapp_from:
        return TwilioChannel(settings, "whatsapp")
    return DevOutbox(settings.var_dir, settings.mail_from)
