"""Handing a payer to the PSP's hosted checkout, and trusting what comes back from it.

The one seam the public checkout endpoint and the payer page both use. The PSP is the one the
transaction failed on when the org has credentials for it (Stripe Checkout Session, Razorpay
Payment Link), else the sandbox's own page. Each checkout we open is kept (`PspCheckout`) and
reused while open, so a payer clicking twice gets one page and pays once; a return is only
believed for a checkout of that link's case, after the PSP confirms it was paid the case's
amount in the case's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Literal

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.intake.models import Transaction
from tinko.intake.reports import SuccessReport
from tinko.intake.service import record_success_of
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.psp.base import CheckoutRequest
from tinko.psp.models import PspCheckout
from tinko.psp.problems import call_psp
from tinko.psp.registry import provider_for
from tinko.recovery import engine
from tinko.recovery.models import OPEN_STATUSES, RecoveryCase, RecoveryLink
from tinko.tenancy.models import Organization

log = structlog.get_logger("tinko.psp")
ReturnOutcome = Literal["paid", "pending", "invalid"]
# Stripe Checkout Sessions live 30 minutes to 24 hours
# (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at);
# a Razorpay Payment Link must expire at least 15 minutes out. One day suits both.
CHECKOUT_LIFETIME = timedelta(hours=24)
MIN_CHECKOUT_LIFETIME = timedelta(minutes=31)
# Reuse an open checkout only while it has this long left, so a payer never lands on a page
# that expires under them.
REUSE_MARGIN = timedelta(minutes=10)


def start_checkout(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    token: str,
    method: str | None,
) -> str:
    """The URL of a hosted checkout for the case's amount; the payer is redirected there."""
    provider = provider_for(session, settings, clock, case.org_id, transaction.gateway)
    now = clock.now()
    reusable = session.scalars(
        select(PspCheckout)
        .where(
            PspCheckout.org_id == case.org_id,
            PspCheckout.link_id == link.id,
            PspCheckout.psp == provider.name,
            PspCheckout.status == "open",
            PspCheckout.amount_minor == transaction.amount_minor,
            PspCheckout.currency == transaction.currency,
            PspCheckout.expires_at > now + REUSE_MARGIN,
        )
        .order_by(PspCheckout.created_at.desc())
    ).all()
    for checkout in reusable:
        if checkout.method == method:
            return checkout.url
    expires_at = min(now + CHECKOUT_LIFETIME, max(link.expires_at, now + MIN_CHECKOUT_LIFETIME))
    org = session.get_one(Organization, case.org_id)
    request = CheckoutRequest(
        org_id=case.org_id,
        reference=new_id("pco"),
        amount_minor=transaction.amount_minor,
        currency=transaction.currency,
        success_url=f"{settings.base_url}/pay/{token}/success",
        cancel_url=f"{settings.base_url}/pay/{token}/cancel",
        description=f"{org.name}: payment {transaction.transaction_ref}"[:200],
        transaction_ref=transaction.transaction_ref,
        case_id=case.id,
        expires_at=expires_at,
        token=token,
        method=method,
        customer_ref=transaction.customer_ref,
        customer_email=transaction.customer_email,
        customer_phone=transaction.customer_phone,
        customer_name=transaction.customer_name,
    )
    if provider.name == "stripe":
        # Stripe fills {CHECKOUT_SESSION_ID} in; the return names the session it paid.
        request = _with_success_url(
            request, f"{request.success_url}?session_id={{CHECKOUT_SESSION_ID}}"
        )
    hosted = call_psp(lambda: provider.create_checkout(session, request))
    session.add(
        PspCheckout(
            id=request.reference,
            org_id=case.org_id,
            case_id=case.id,
            link_id=link.id,
            psp=provider.name,
            method=method,
            external_id=hosted.external_id,
            url=hosted.url,
            amount_minor=transaction.amount_minor,
            currency=transaction.currency,
            status="open",
            created_at=now,
            expires_at=expires_at,
        )
    )
    return hosted.url


def confirm_return(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    params: Mapping[str, str],
) -> ReturnOutcome:
    """Check a payer's return from the hosted checkout with the PSP (never trusting the query
    string alone); records the success when the PSP confirms the case's amount was paid."""
    if transaction.status == "succeeded" and case.status == "recovered":
        return "paid"
    checkouts = session.scalars(
        select(PspCheckout)
        .where(PspCheckout.org_id == case.org_id, PspCheckout.link_id == link.id)
        .order_by(PspCheckout.created_at.desc())
    ).all()
    checkout = _returned_checkout(checkouts, params)
    if checkout is None:
        return "invalid" if _names_a_checkout(params) else "pending"
    provider = provider_for(session, settings, clock, case.org_id, transaction.gateway)
    if provider.name != checkout.psp:
        return "invalid"  # the org's PSP changed since; that page is no longer ours to trust
    state = call_psp(
        lambda: provider.checkout_state(session, case.org_id, checkout.external_id, params)
    )
    if state.status != "paid":
        return state.status
    expected = (checkout.amount_minor, checkout.currency, checkout.id)
    if (state.amount_minor, state.currency, state.reference) != expected:
        log.warning("checkout_mismatch", checkout_id=checkout.id, psp=checkout.psp, case_id=case.id)
        return "invalid"
    _record_paid(session, clock, case, transaction, link, checkout, state.psp_reference)
    return "paid"


def _returned_checkout(
    rows: Sequence[PspCheckout], params: Mapping[str, str]
) -> PspCheckout | None:
    named = params.get("session_id") or params.get("razorpay_payment_link_id")
    if named:
        return next((c for c in rows if c.external_id == named), None)
    # The sandbox page returns without a name; its newest checkout for this link is the one.
    return next((c for c in rows if c.psp == "sandbox"), None)


def _names_a_checkout(params: Mapping[str, str]) -> bool:
    return bool(params.get("session_id") or params.get("razorpay_payment_link_id"))


def _record_paid(
    session: Session,
    clock: Clock,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    checkout: PspCheckout,
    payment_ref: str | None,
) -> None:
    locked = engine.lock_for_work(session, case_id=case.id)
    assert locked is not None
    _, case, transaction = locked
    now = clock.now()
    if checkout.status != "paid":
        checkout.status, checkout.paid_at = "paid", now
    if case.status not in OPEN_STATUSES:
        return  # the PSP's webhook (or a second return) closed it first
    record_success_of(
        session,
        clock,
        transaction,
        SuccessReport(
            transaction_ref=transaction.transaction_ref,
            gateway=checkout.psp,
            occurred_at=now,
            amount_minor=checkout.amount_minor,
            currency=checkout.currency,
            psp_object_id=payment_ref,
            event_type=f"{checkout.psp}.checkout_paid",
        ),
        source="payer_page",
        external_id=f"checkout:{checkout.id}",
        case=case,
    )
    link.used_at = now


def _with_success_url(request: CheckoutRequest, url: str) -> CheckoutRequest:
    return replace(request, success_url=url)
