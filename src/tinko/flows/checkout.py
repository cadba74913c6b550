"""Handing a payer to the PSP's hosted checkout, and trusting what comes back from it.

The one seam the public checkout endpoint and the payer page both use. The PSP is the one the
transaction failed on when the org has credentials for it (Stripe Checkout Session, Razorpay
Payment Link), else the sandbox's own page. Each checkout we open is kept (`PspCheckout`) and
reused while open for its case, so a payer clicking twice (or on two links) gets one page and
pays once; no transaction is open while the PSP answers; a return is only
believed for a checkout of that link's case, after the PSP confirms it was paid the case's
amount in the case's currency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.errors import AppError
from tinko.flows.outcomes import success_of
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.payments.models import Transaction
from tinko.payments.reports import SuccessReport
from tinko.psp.base import CheckoutRequest, CheckoutState, HostedCheckout, PaymentProvider
from tinko.psp.models import PspCheckout
from tinko.psp.problems import call_psp
from tinko.psp.registry import provider_for
from tinko.recovery import locks
from tinko.recovery.models import PAYABLE_STATUSES, RecoveryCase, RecoveryLink
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
    """The URL of a hosted checkout for the case's amount; the payer is redirected there.

    Three steps so no database transaction is open while the PSP answers: reserve (or reuse)
    the case's checkout row and commit; ask the PSP; record its page in a new transaction.
    The reserved row is the serialisation point: a double click finds it and asks the PSP
    again under the same reference, which the PSP answers with the same page.
    """
    reserved = _reserve(session, settings, clock, case, transaction, link, token, method)
    if isinstance(reserved, str):
        return reserved
    provider, request = reserved
    session.commit()
    try:
        hosted = call_psp(lambda: provider.create_checkout(request))
    except AppError:
        _give_up(session, request.reference)
        raise
    return _record_opened(session, request.reference, hosted)


def _reserve(
    session: Session,
    settings: Settings,
    clock: Clock,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    token: str,
    method: str | None,
) -> str | tuple[PaymentProvider, CheckoutRequest]:
    provider = call_psp(
        lambda: provider_for(session, settings, clock, case.org_id, transaction.gateway)
    )
    # One checkout per case (not per link): two links for one case never give two pages.
    session.scalars(
        select(RecoveryCase.id)
        .where(RecoveryCase.org_id == case.org_id, RecoveryCase.id == case.id)
        .with_for_update()
    ).one()
    now = clock.now()
    rows = session.scalars(
        select(PspCheckout)
        .where(
            PspCheckout.org_id == case.org_id,
            PspCheckout.case_id == case.id,
            PspCheckout.psp == provider.name,
            PspCheckout.status.in_(("open", "creating")),
            PspCheckout.amount_minor == transaction.amount_minor,
            PspCheckout.currency == transaction.currency,
            PspCheckout.expires_at > now + REUSE_MARGIN,
        )
        .order_by(PspCheckout.created_at.desc())
    ).all()
    same_method = [row for row in rows if row.method == method]
    opened = next((row for row in same_method if row.status == "open"), None)
    if opened is not None:
        return opened.url
    # A click still waiting on the PSP: ask again under its reference (same parameters).
    waiting = next((row for row in same_method if row.link_id == link.id), None)
    if waiting is not None:
        return provider, _request(settings, session, case, transaction, token, method, waiting)
    expires_at = min(now + CHECKOUT_LIFETIME, max(link.expires_at, now + MIN_CHECKOUT_LIFETIME))
    reference = new_id("pco")
    row = PspCheckout(
        id=reference,
        org_id=case.org_id,
        case_id=case.id,
        link_id=link.id,
        psp=provider.name,
        method=method,
        external_id=f"pending:{reference}",  # unique until the PSP names its page
        url="",
        amount_minor=transaction.amount_minor,
        currency=transaction.currency,
        status="creating",
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return provider, _request(settings, session, case, transaction, token, method, row)


def _request(
    settings: Settings,
    session: Session,
    case: RecoveryCase,
    transaction: Transaction,
    token: str,
    method: str | None,
    row: PspCheckout,
) -> CheckoutRequest:
    org = session.get_one(Organization, case.org_id)
    success_url = f"{settings.base_url}/pay/{token}/success"
    if row.psp == "stripe":
        # Stripe fills {CHECKOUT_SESSION_ID} in; the return names the session it paid.
        success_url += "?session_id={CHECKOUT_SESSION_ID}"
    return CheckoutRequest(
        org_id=case.org_id,
        reference=row.id,
        amount_minor=row.amount_minor,
        currency=row.currency,
        success_url=success_url,
        cancel_url=f"{settings.base_url}/pay/{token}/cancel",
        description=f"{org.name}: payment {transaction.transaction_ref}"[:200],
        transaction_ref=transaction.transaction_ref,
        case_id=case.id,
        expires_at=row.expires_at,
        token=token,
        method=method,
        customer_ref=transaction.customer_ref,
        customer_email=transaction.customer_email,
        customer_phone=transaction.customer_phone,
        customer_name=transaction.customer_name,
    )


def _record_opened(session: Session, reference: str, hosted: HostedCheckout) -> str:
    row = session.get_one(PspCheckout, reference, with_for_update=True, populate_existing=True)
    if row.status == "creating":
        row.external_id, row.url, row.status = hosted.external_id, hosted.url, "open"
    session.flush()
    return row.url or hosted.url


def _give_up(session: Session, reference: str) -> None:
    """The PSP gave no page: the next click starts afresh under a new reference."""
    session.rollback()
    row = session.get(PspCheckout, reference, with_for_update=True, populate_existing=True)
    if row is not None and row.status == "creating":
        row.status = "failed"
    session.commit()


@dataclass(frozen=True)
class ReturnCheck:
    """A returned checkout to ask the PSP about, read before any PSP call."""

    provider: PaymentProvider
    org_id: str
    case_id: str
    link_id: str
    checkout_id: str
    external_id: str
    expected: tuple[int, str, str]  # amount, currency, our reference


def has_checkout(session: Session, link: RecoveryLink) -> bool:
    return (
        session.scalars(
            select(PspCheckout.id)
            .where(PspCheckout.org_id == link.org_id, PspCheckout.link_id == link.id)
            .limit(1)
        ).first()
        is not None
    )


def prepare_return(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    params: Mapping[str, str],
) -> ReturnCheck | ReturnOutcome:
    """What to ask the PSP about a payer's return, or the answer when no question is needed."""
    checkouts = session.scalars(
        select(PspCheckout)
        .where(
            PspCheckout.org_id == case.org_id,
            PspCheckout.link_id == link.id,
            PspCheckout.status.in_(("open", "paid")),
        )
        .order_by(PspCheckout.created_at.desc())
    ).all()
    checkout = _returned_checkout(checkouts, params)
    if checkout is None:
        return "invalid" if names_a_checkout(params) else "pending"
    if checkout.status == "paid":
        return "paid"
    provider = call_psp(
        lambda: provider_for(session, settings, clock, case.org_id, transaction.gateway)
    )
    if provider.name != checkout.psp:
        return "invalid"  # the org's PSP changed since; that page is no longer ours to trust
    return ReturnCheck(
        provider,
        case.org_id,
        case.id,
        link.id,
        checkout.id,
        checkout.external_id,
        (checkout.amount_minor, checkout.currency, checkout.id),
    )


def ask_psp(session: Session, check: ReturnCheck, params: Mapping[str, str]) -> CheckoutState:
    """The PSP's word on the checkout; call with no transaction open (the sandbox reads its
    own rows through `session`)."""
    return call_psp(lambda: check.provider.checkout_state(check.org_id, check.external_id, params))


def record_return(
    session: Session, clock: Clock, check: ReturnCheck, state: CheckoutState
) -> ReturnOutcome:
    """Believe the PSP's answer only for this checkout's amount, currency and reference."""
    if state.status != "paid":
        return state.status
    if (state.amount_minor, state.currency, state.reference) != check.expected:
        log.warning("checkout_mismatch", checkout_id=check.checkout_id, case_id=check.case_id)
        return "invalid"
    _record_paid(session, clock, check, state.psp_reference)
    return "paid"


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
    string alone); records the success when the PSP confirms the case's amount was paid.
    Commits what was read before asking the PSP, so no lock is held while it answers."""
    check = prepare_return(
        session, settings, clock, case=case, transaction=transaction, link=link, params=params
    )
    if not isinstance(check, ReturnCheck):
        return check
    session.commit()
    state = ask_psp(session, check, params)
    return record_return(session, clock, check, state)


def _returned_checkout(
    rows: Sequence[PspCheckout], params: Mapping[str, str]
) -> PspCheckout | None:
    named = params.get("session_id") or params.get("razorpay_payment_link_id")
    if named:
        return next((c for c in rows if c.external_id == named), None)
    # The sandbox page returns without a name; its newest checkout for this link is the one.
    return next((c for c in rows if c.psp == "sandbox"), None)


def names_a_checkout(params: Mapping[str, str]) -> bool:
    return bool(params.get("session_id") or params.get("razorpay_payment_link_id"))


def _record_paid(
    session: Session, clock: Clock, check: ReturnCheck, payment_ref: str | None
) -> None:
    locked = locks.lock_for_work(session, case_id=check.case_id)
    assert locked is not None
    _, case, transaction = locked
    checkout = session.get_one(
        PspCheckout, check.checkout_id, with_for_update=True, populate_existing=True
    )
    if checkout.status == "paid":
        return  # a second return (or the sandbox page) recorded this payment already
    now = clock.now()
    checkout.status, checkout.paid_at = "paid", now
    is_open = case.status in PAYABLE_STATUSES
    if not is_open:
        # The money came in after the case closed (a retry worked, it was cancelled): the
        # transaction still shows the payment, and the merchant may owe a refund.
        log.warning(
            "paid after close", case_id=case.id, checkout_id=checkout.id, case_status=case.status
        )
    success_of(
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
        case=case if is_open else None,
    )
    link = session.get(RecoveryLink, check.link_id)
    if link is not None:
        link.used_at = now
