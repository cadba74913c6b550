"""Recipient addresses: validated and normalised before anything is queued or sent.

Phones become E.164 (`+919876543210`) with Google's libphonenumber rules (`phonenumbers`);
emails are checked for syntax with `email-validator` (no DNS lookups: a queued message must not
wait on the network, and the mail server is the judge of deliverability).
"""

from __future__ import annotations

import hashlib

import phonenumbers
from email_validator import EmailNotValidError, validate_email

CHANNELS = ("email", "sms", "whatsapp")


class InvalidContact(ValueError):
    """An address the channel cannot deliver to; the message says why in plain words."""


def normalise_email(raw: str) -> str:
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContact(f"invalid email address: {exc}") from None
    return checked.normalized.lower()


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164 for a phone written in international form, or nationally for `region` (ISO 3166)."""
    text = raw.strip().removeprefix("whatsapp:")
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidContact(f"invalid phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("invalid phone number: not a valid number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise(channel: str, raw: str, region: str | None = None) -> str:
    if channel == "email":
        return normalise_email(raw)
    if channel in ("sms", "whatsapp"):
        return normalise_phone(raw, region)
    raise InvalidContact(f"unknown channel {channel!r}")


def recipient_digest(recipient: str) -> str:
    """What an opt-out stores: stable across secret rotation, unreadable at a glance."""
    return hashlib.sha256(recipient.encode()).hexdigest()
