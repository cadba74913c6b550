"""What each payer page shows, decided from the link, the case and the PSP: no rendering here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.errors import Gone, NotFound
from tinko.flows.checkout import (
    confirm_return,
    has_checkout,
    names_a_checkout,
    start_checkout,
)
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.notify.messages import on_its_way
from tinko.pages.content import METHOD_LABELS
from tinko.pages.security import form_nonce, nonce_valid, redirect_allowed
from tinko.payments.models import Transaction
from tinko.psp.base import PSPError
from tinko.psp.problems import PaymentsNotConfigured, PSPRefused, PSPUnavailable
from tinko.recovery import links, timeline
from tinko.recovery.models import PAYABLE_STATUSES, RecoveryCase, RecoveryLink
from tinko.recovery.statuses import CaseStatus
from tinko.recovery.views import mask_contact, payer_view
from tinko.tenancy.models import Organization

log = structlog.get_logger("tinko.pages")


@dataclass(frozen=True)
class Payment:
    """What a page may show of a payment: no ids of ours, a first name and a masked contact."""

    merchant: str
    amount_minor: int
    currency: str
    category: str
    failed_method: str | None
    methods: tuple[str, ...]  # the recommended one first
    first_name: str | None
    sent: tuple[str, str] | None  # (channel, masked address) of the message that carried the link
    expires_at: datetime
    org_locale: str
    timezone: str


@dataclass(frozen=True)
class Screen:
    state: str  # "open" or a key of content.STATES
    status_code: int
    token: str | None = None
    payment: Payment | None = None
    merchant: str | None = None
    org_locale: str | None = None
    nonce: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def about(state: str, status_code: int, token: str, payment: Payment) -> Screen:
        return Screen(
            state,
            status_code,
            token,
            payment,
            merchant=payment.merchant,
            org_locale=payment.org_locale,
        )


@dataclass(frozen=True)
class Redirect:
    url: str


Resolved = tuple[RecoveryLink, RecoveryCase]


def _payment(session: Session, link: RecoveryLink, case: RecoveryCase) -> Payment:
    view = payer_view(session, link, case)
    transaction = session.get_one(Transaction, case.transaction_id)
    org = session.get_one(Organization, case.org_id)
    # The failed method's kind comes last: another card (or UPI app) may well work.
    offered = [view.recommended_method, *view.alternates, transaction.payment_method_type]
    methods = tuple(dict.fromkeys(m for m in offered if m in METHOD_LABELS))
    return Payment(
        merchant=org.name,
        amount_minor=view.amount,
        currency=view.currency,
        category=case.category,
        failed_method=transaction.payment_method_type,
        methods=methods,
        first_name=view.customer_first_name,
        sent=_sent(session, link),
        expires_at=view.expires_at,
        org_locale=org.locale,
        timezone=org.timezone,
    )


def _sent(session: Session, link: RecoveryLink) -> tuple[str, str] | None:
    """Where we sent this link, if we did and it has not failed: a link the merchant took to
    send themselves (or one whose message bounced) was never "sent to" anyone by us."""
    if link.message_id is None:
        return None
    carried = on_its_way(session, link.org_id, link.message_id)
    if carried is None:
        return None
    channel, recipient = carried
    masked = mask_contact(recipient)
    return (channel, masked) if masked else None


def _expired_screen(session: Session, token: str, paid_state: str) -> Screen:
    """An expired link still says whose it was; and a payment already made stays paid."""
    link = session.scalars(
        select(RecoveryLink).where(RecoveryLink.token_digest == token_digest(token))
    ).one()
    case = session.get_one(RecoveryCase, link.case_id)
    payment = _payment(session, link, case)
    if case.status == CaseStatus.RECOVERED:
        return Screen.about(paid_state, 200, token, payment)
    return Screen.about("expired", 410, token, payment)


def _resolve(
    session: Session,
    clock: Clock,
    settings: Settings,
    token: str,
    paid_state: str,
    *,
    lock: bool = True,  # writers lock the link: a double click waits for the first click
) -> Resolved | Screen:
    try:
        return links.resolve(session, clock, settings.secret_key, token, for_update=lock)
    except NotFound:
        return Screen("not_found", 404)
    except Gone:
        return _expired_screen(session, token, paid_state)


def _closed(token: str, case: RecoveryCase, payment: Payment, paid_state: str) -> Screen | None:
    if case.status == CaseStatus.RECOVERED:
        return Screen.about(paid_state, 200, token, payment)
    if case.status not in PAYABLE_STATUSES:
        return Screen.about("closed", 410, token, payment)
    return None


def payer_page(session: Session, clock: Clock, settings: Settings, token: str) -> Screen:
    """GET /pay/{token}: records the open (the first one on the timeline) and shows the case."""
    resolved = _resolve(session, clock, settings, token, "already_paid")
    if isinstance(resolved, Screen):
        return resolved
    link, case = resolved
    if link.open_count == 0:
        timeline.log(session, clock, case, "link_opened", link_id=link.id)
    links.record_open(link, clock.now())
    payment = _payment(session, link, case)
    closed = _closed(token, case, payment, "already_paid")
    if closed is not None:
        return closed
    nonce = form_nonce(settings.secret_key, token, clock.now())
    return Screen("open", 200, token, payment, payment.merchant, payment.org_locale, nonce)


@dataclass(frozen=True)
class CheckoutForm:
    method: str | None
    nonce: str
    fetch_site: str | None  # the browser's Sec-Fetch-Site header


def checkout(
    session: Session, clock: Clock, settings: Settings, token: str, form: CheckoutForm
) -> Screen | Redirect:
    """POST /pay/{token}/checkout: to the PSP's hosted checkout, and only there."""
    if form.fetch_site not in (None, "same-origin"):
        return Screen("stale_form", 403, token)
    resolved = _resolve(session, clock, settings, token, "already_paid")
    if isinstance(resolved, Screen):
        return resolved
    link, case = resolved
    if not nonce_valid(settings.secret_key, token, form.nonce, clock.now()):
        return Screen("stale_form", 400, token)
    if case.status not in PAYABLE_STATUSES:
        return Redirect(f"/pay/{token}")  # the page says it is paid or closed
    payment = _payment(session, link, case)
    if payment.methods and form.method not in payment.methods:
        return Screen.about("stale_form", 400, token, payment)
    transaction = session.get_one(Transaction, case.transaction_id)
    try:
        url = start_checkout(
            session,
            settings,
            clock,
            case=case,
            transaction=transaction,
            link=link,
            token=token,
            method=form.method,
        )
    except (PSPError, PSPUnavailable, PSPRefused, PaymentsNotConfigured) as exc:
        log.warning("checkout_unavailable", case_id=case.id, error_type=type(exc).__name__)
        return Screen.about("unavailable", 503, token, payment)
    if not redirect_allowed(url, settings.base_url):
        log.error("checkout_url_refused", case_id=case.id, origin_allowed=False)
        return Screen.about("unavailable", 502, token, payment)
    timeline.log(
        session, clock, case, "checkout_started", link_id=link.id, method=form.method, via="page"
    )
    return Redirect(url)


def returned(
    session: Session, clock: Clock, settings: Settings, token: str, params: Mapping[str, str]
) -> Screen:
    """GET /pay/{token}/success: the PSP, not the query string, says whether it was paid.

    Asked first whenever this link opened a checkout: a payer who paid on a checkout that
    outlived the link (or the case) must see "paid", not "expired"."""
    link = _link_of(session, settings, token)
    if link is None:
        return Screen("not_found", 404)
    if has_checkout(session, link):
        case = session.get_one(RecoveryCase, link.case_id)
        transaction = session.get_one(Transaction, case.transaction_id)
        payment = _payment(session, link, case)
        try:
            # Commits before asking the PSP (docs/decisions/0003): nothing is held meanwhile.
            outcome = confirm_return(
                session,
                settings,
                clock,
                case=case,
                transaction=transaction,
                link=link,
                params=params,
            )
        except (PSPError, PSPUnavailable, PSPRefused, PaymentsNotConfigured) as exc:
            # The payer may well have paid: say it is being confirmed, and look again shortly.
            log.warning("return_unconfirmed", case_id=case.id, error_type=type(exc).__name__)
            return Screen.about("processing", 503, token, payment)
        if outcome == "paid":
            return Screen.about("paid", 200, token, payment)
        if outcome == "invalid":
            return Screen.about("problem", 400, token, payment)
    resolved = _resolve(session, clock, settings, token, "paid", lock=False)
    if isinstance(resolved, Screen):
        return resolved
    link, case = resolved
    payment = _payment(session, link, case)
    closed = _closed(token, case, payment, "paid")
    if closed is not None:
        return closed
    if names_a_checkout(params):
        return Screen.about("problem", 400, token, payment)  # not a checkout of this link
    return Screen.about("processing", 200, token, payment)


def _link_of(session: Session, settings: Settings, token: str) -> RecoveryLink | None:
    """The link a token names, expired or not (forged tokens are refused by signature)."""
    if not links.signature_valid(settings.secret_key, token):
        return None
    return session.scalars(
        select(RecoveryLink).where(RecoveryLink.token_digest == token_digest(token))
    ).one_or_none()


def cancelled(
    session: Session, clock: Clock, settings: Settings, token: str, *, declined: bool = False
) -> Screen:
    """GET /pay/{token}/cancel: the payer left the checkout, or their card was declined there
    (the sandbox's checkout says which); nothing was charged either way."""
    resolved = _resolve(session, clock, settings, token, "already_paid", lock=False)
    if isinstance(resolved, Screen):
        return resolved
    link, case = resolved
    payment = _payment(session, link, case)
    closed = _closed(token, case, payment, "already_paid")
    return closed or Screen.about("declined" if declined else "cancelled", 200, token, payment)
