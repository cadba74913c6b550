"""The sandbox PSP's hosted checkout (docs/api.md "The sandbox PSP": "serves a local hosted checkout
page"), so a demo can finish a recovery through a payment link with no outside account.

It stands where Stripe Checkout or a Razorpay Payment Link would: one page with the amount, in
the payer's language, and the three ways a hosted checkout can end. Paying records the success,
marks the checkout paid (so the payer page's return check finds it), owes the org's intake a
signed `checkout.session.completed` webhook, and sends the payer back to the payer page's
success URL, as a PSP's hosted page does. Declining (a card refused by the bank) and cancelling
send the payer to the cancel URL; the case stays open.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import NotFound
from tinko.flows.outcomes import success_of
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.kit.money import format_money
from tinko.pages.i18n import number_locale
from tinko.pages.shell import html_page, language_of
from tinko.payments.models import Transaction
from tinko.payments.reports import SuccessReport
from tinko.psp import sandbox_events
from tinko.psp.base import PSPNotConfigured
from tinko.psp.models import PspCheckout
from tinko.psp.registry import provider_for
from tinko.psp.sandbox import SandboxPSP
from tinko.recovery import links, locks, timeline
from tinko.recovery.models import PAYABLE_STATUSES, RecoveryCase, RecoveryLink
from tinko.tenancy.models import Organization

router: APIRouter = TinkoRouter(
    prefix="/sandbox/checkout", tags=["sandbox"], include_in_schema=False
)


@dataclass(frozen=True)
class _Opened:
    link: RecoveryLink
    case: RecoveryCase
    transaction: Transaction
    checkout: PspCheckout


def _opened(
    session: Session,
    clock: Clock,
    settings: Settings,
    token: str,
    *,
    lock: bool,
    viewing: bool = False,
) -> _Opened:
    """The open sandbox checkout behind a link, or 404: the page is only for cases the
    sandbox really handles and only for a checkout the payer page opened (a link alone
    must never mark a Stripe or Razorpay payment paid)."""
    not_found = NotFound("No sandbox checkout is open for this link.")
    if not links.signature_valid(settings.secret_key, token):
        raise not_found
    statement = select(RecoveryLink).where(RecoveryLink.token_digest == token_digest(token))
    link = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if link is None:
        raise not_found
    case = session.get_one(RecoveryCase, link.case_id)
    transaction = session.get_one(Transaction, case.transaction_id)
    try:
        provider = provider_for(session, settings, clock, case.org_id, transaction.gateway)
    except PSPNotConfigured:
        raise not_found from None
    if provider.name != SandboxPSP.name:
        raise not_found
    query = select(PspCheckout).where(
        PspCheckout.org_id == case.org_id,
        PspCheckout.case_id == case.id,
        PspCheckout.link_id == link.id,
        PspCheckout.psp == SandboxPSP.name,
        # The page stays viewable once paid (it says there is nothing to pay); only an open,
        # unexpired checkout can be paid.
        PspCheckout.status.in_(("open", "paid") if viewing else ("open",)),
        PspCheckout.expires_at > clock.now(),
    )
    checkout = session.scalars(
        (query.with_for_update() if lock else query)
        .order_by(PspCheckout.created_at.desc())
        .limit(1)
    ).first()
    if checkout is None:
        raise not_found
    return _Opened(link, case, transaction, checkout)


@router.get("/{token}", response_class=HTMLResponse)
def sandbox_checkout(
    token: str, request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> HTMLResponse:
    opened = _opened(session, clock, settings, token, lock=False, viewing=True)
    org = session.get_one(Organization, opened.case.org_id)
    language = language_of(request, org.locale)
    currency = opened.checkout.currency
    values = {
        "merchant": org.name,
        "amount": format_money(
            opened.checkout.amount_minor, currency, number_locale(language, currency, org.locale)
        ),
        "payable": opened.case.status in PAYABLE_STATUSES,
        "pay_action": f"/sandbox/checkout/{token}/pay",
        "decline_action": f"/sandbox/checkout/{token}/decline",
        "cancel_url": f"/pay/{token}/cancel",
        "back_url": f"/pay/{token}",
    }
    return html_page(request, settings, "sandbox_checkout.html", values, language=language)


@router.post("/{token}/decline", response_model=None)
def sandbox_decline(
    token: str, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> RedirectResponse:
    """A card decline: nothing is charged, the checkout stays open for another try, and the
    payer goes back to the merchant as a PSP's cancel URL would send them."""
    opened = _opened(session, clock, settings, token, lock=True)
    if opened.case.status in PAYABLE_STATUSES:
        timeline.log(
            session, clock, opened.case, "checkout_declined", link_id=opened.link.id, psp="sandbox"
        )
    return RedirectResponse(f"{settings.base_url}/pay/{token}/cancel?declined=1", status_code=303)


@router.post("/{token}/pay", response_model=None)
def sandbox_pay(
    token: str, request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> RedirectResponse:
    opened = _opened(session, clock, settings, token, lock=True)
    if opened.case.status in PAYABLE_STATUSES:
        locked = locks.lock_for_work(session, case_id=opened.case.id)
        assert locked is not None
        _, case, transaction = locked
        now = clock.now()
        success_of(
            session,
            clock,
            transaction,
            SuccessReport(
                transaction_ref=transaction.transaction_ref,
                gateway="sandbox",
                occurred_at=now,
                amount_minor=opened.checkout.amount_minor,
                currency=opened.checkout.currency,
                event_type="sandbox.checkout_paid",
            ),
            source="payer_page",
            external_id=f"sandbox_checkout:{opened.checkout.id}",
            case=case,
        )
        opened.link.used_at = now
        opened.checkout.status, opened.checkout.paid_at = "paid", now
        sandbox_events.owe_event(
            session,
            clock,
            transaction.org_id,
            "checkout.session.completed",
            sandbox_events.checkout_session_object(
                checkout_id=opened.checkout.external_id,
                amount_minor=opened.checkout.amount_minor,
                currency=opened.checkout.currency,
                transaction_ref=transaction.transaction_ref,
                case_id=case.id,
            ),
        )
    return RedirectResponse(f"{settings.base_url}/pay/{token}/success", status_code=303)
