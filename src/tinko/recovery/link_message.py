"""Recovery outreach: the message that carries a payment link to the customer.

The recovery runner calls `queue_recovery_message` when a case's plan says "send a link", and
the link route calls `queue_link_message` to send the very link it returns. It
decides whether to send at all (contact, opt-out, frequency cap), picks the template (the
org's active one for the channel and the customer's language, else the shipped default),
renders it, and queues it for delivery after the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, NamedTuple

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.notify import copy
from tinko.notify.contacts import CHANNELS, InvalidContact, normalise, recipient_digest
from tinko.notify.messages import Message, queue_message
from tinko.notify.models import MessageTemplateVersion, OutboundMessage
from tinko.notify.optouts import is_opted_out, unsubscribe_url
from tinko.notify.render import Rendered, TemplateContent, render_message, variables_for
from tinko.notify.template_service import DEFAULT_PROVIDER_VARIABLES, active_version
from tinko.payments.models import Transaction
from tinko.reasons import Reason, ReasonCode, make
from tinko.recovery.models import RecoveryCase, RecoveryLink
from tinko.tenancy.models import Organization
from tinko.tenancy.prefs import message_prefs

log = structlog.get_logger("tinko.notify")

KIND: Final = "recovery_link"
_COUNTED: Final = ("queued", "sending", "sent", "delivered", "outbox")


class Queued(NamedTuple):
    """A queued message's id and detail; or None, why not in words, and its reason."""

    message_id: str | None
    detail: str
    skipped: Reason | None = None


def queue_recovery_message(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    org: Organization,
    case: RecoveryCase,
    transaction: Transaction,
    channel: str,
    link_url: str,
    link_expires_at: datetime,
    link: RecoveryLink | None = None,
) -> tuple[bool, str]:
    """(True, detail) when a message was queued; (False, reason) when it must not be sent."""
    queued = queue_link_message(
        session,
        clock,
        settings,
        org=org,
        case=case,
        transaction=transaction,
        channel=channel,
        link_url=link_url,
        link_expires_at=link_expires_at,
        link=link,
    )
    return queued.message_id is not None, queued.detail


def queue_link_message(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    org: Organization,
    case: RecoveryCase,
    transaction: Transaction,
    channel: str,
    link_url: str,
    link_expires_at: datetime,
    link: RecoveryLink | None = None,
    reason: Reason | None = None,
) -> Queued:
    """The id of the message carrying `link_url`, queued with `reason` (why it is sent); or
    None with the reason it must not be sent.

    `link`, when given, remembers the message that carried it (the payer page names the
    channel and the masked address only for a link that was really sent)."""
    no_contact = make(ReasonCode.SKIPPED_NO_CONTACT, channel=channel)
    if channel not in CHANNELS:
        return Queued(None, f"unknown channel {channel!r}", no_contact)
    raw = transaction.customer_email if channel == "email" else transaction.customer_phone
    if not raw:
        return Queued(None, f"no {channel} contact for the customer", no_contact)
    try:
        recipient = normalise(channel, raw, transaction.country)
    except InvalidContact as exc:
        return Queued(None, str(exc), no_contact)
    if is_opted_out(session, org.id, channel, recipient):
        opted_out = make(ReasonCode.SKIPPED_OPTED_OUT, channel=channel)
        return Queued(None, f"the customer opted out of {channel} messages", opted_out)
    customer_key = _customer_key(transaction, channel, recipient)
    # The org's cap (3 in 24 hours unless changed: a link and two reminders, not nagging).
    prefs = message_prefs(org)
    if _recent_count(session, clock, org.id, customer_key, prefs.frequency_window) >= (
        prefs.frequency_cap
    ):
        hours = int(prefs.frequency_window.total_seconds() // 3600)
        capped = make(
            ReasonCode.SKIPPED_FREQUENCY_CAP,
            channel=channel,
            limit=prefs.frequency_cap,
            window_hours=hours,
        )
        detail = f"frequency cap: {prefs.frequency_cap} messages in {hours} hours already"
        return Queued(None, detail, capped)

    lang, content, version = _template(session, org, transaction, channel)
    # The pages open in the customer's language, as the message they came from was written.
    customer_lang = copy.language(transaction.customer_locale)
    link_url = with_language(link_url, customer_lang)
    names = (version.provider_variables if version else None) or list(DEFAULT_PROVIDER_VARIABLES)
    variables = case_variables(org, case, transaction, lang, link_url, link_expires_at)
    opt_out = with_language(
        unsubscribe_url(settings.base_url, settings.secret_key, org.id, channel, recipient),
        customer_lang,
    )
    rendered = _render(content, variables, channel, lang, opt_out, version)
    if version is not None and rendered is None:
        version, content = None, _default_content(channel, lang)
        rendered = _render(content, variables, channel, lang, opt_out, None)
    if rendered is None:
        not_rendered = make(ReasonCode.SKIPPED_NOT_RENDERED, channel=channel)
        return Queued(None, "the message could not be rendered", not_rendered)
    provider_template_id = version.provider_template_id if version else None
    message_id = queue_message(
        session,
        clock,
        org.id,
        Message(
            channel=channel,
            to=recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            kind=KIND,
            case_id=case.id,
            customer_key=customer_key,
            locale=lang,
            template_id=version.template_id if version else None,
            template_version=version.version if version else None,
            unsubscribe_url=opt_out,
            provider_template_id=provider_template_id,
            provider_variables=(
                {str(i): str(variables[name]) for i, name in enumerate(names, start=1)}
                if provider_template_id
                else {}
            ),
            reason=reason,
        ),
    )
    if link is not None:
        link.message_id = message_id
    return Queued(message_id, f"message {message_id} queued for {channel}")


def case_variables(
    org: Organization,
    case: RecoveryCase,
    transaction: Transaction,
    lang: str,
    link_url: str,
    link_expires_at: datetime,
) -> dict[str, object]:
    """A template's variables for this case in ``lang`` (also the console's real-case preview)."""
    values = {
        "customer_name": transaction.customer_name or "",
        "amount": copy.format_amount(transaction.amount_minor, transaction.currency, lang),
        "currency": transaction.currency,
        "merchant": org.name,
        "link": link_url,
        "expiry": copy.format_moment(link_expires_at, org.timezone, lang),
        "reason": copy.phrase("reasons", case.category, lang),
    }
    methods = [
        copy.phrase("methods", m, lang) for m in case.classification.get("alternate_methods", [])
    ]
    return variables_for(values, methods)


def with_language(url: str, lang: str | None) -> str:
    """`url?lang=ta` for a language our pages speak; the url unchanged otherwise."""
    if lang is None:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def _customer_key(transaction: Transaction, channel: str, recipient: str) -> str:
    """One customer across channels: the merchant's customer id, else their email, else the
    address this message goes to (stored as digests: the key is for counting, not reading)."""
    if transaction.customer_ref:
        return f"ref:{transaction.customer_ref}"[:200]
    if transaction.customer_email:
        try:
            email = normalise("email", transaction.customer_email)
        except InvalidContact:
            email = transaction.customer_email.strip().lower()
        return f"email:{recipient_digest(email)}"
    return f"{channel}:{recipient_digest(recipient)}"


def _recent_count(
    session: Session, clock: Clock, org_id: str, customer_key: str, window: timedelta
) -> int:
    since = clock.now() - window
    return int(
        session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.org_id == org_id,
                OutboundMessage.customer_key == customer_key,
                OutboundMessage.kind == KIND,
                OutboundMessage.status.in_(_COUNTED),
                OutboundMessage.created_at >= since,
            )
        )
        or 0
    )


def _template(
    session: Session, org: Organization, transaction: Transaction, channel: str
) -> tuple[str, TemplateContent, MessageTemplateVersion | None]:
    """The first of: the org's template in the customer's language, our default in it, the
    same two for the org's language, then our English default."""
    wanted = [transaction.customer_locale, org.locale, copy.DEFAULT_LOCALE]
    for raw in wanted:
        lang = (raw or "").replace("_", "-").split("-", 1)[0].lower()
        if not lang:
            continue
        version = active_version(session, org.id, channel, lang, KIND)
        if version is not None:
            shipped = copy.language(lang) or copy.DEFAULT_LOCALE
            content = TemplateContent(version.subject, version.body, version.html)
            return shipped, content, version
        if lang in copy.LOCALES:
            return lang, _default_content(channel, lang), None
    return copy.DEFAULT_LOCALE, _default_content(channel, copy.DEFAULT_LOCALE), None


def _default_content(channel: str, lang: str) -> TemplateContent:
    shipped = copy.default_template(channel, lang)
    return TemplateContent(shipped.subject, shipped.body, shipped.html)


def _render(
    content: TemplateContent,
    variables: dict[str, object],
    channel: str,
    lang: str,
    opt_out: str,
    version: MessageTemplateVersion | None,
) -> Rendered | None:
    try:
        return render_message(
            content, variables, channel=channel, locale=lang, unsubscribe_url=opt_out
        )
    except Exception:
        # Save-time checks make this unreachable for stored templates; if it ever happens,
        # the shipped default still reaches the customer.
        log.exception("template_render_failed", template_version_id=version.id if version else None)
        return None
