"""The sandbox PSP's hosted checkout (API.md "Sandbox PSP": "serves a local hosted checkout
page"), so a demo can finish a recovery through a payment link with no outside account.

It stands where Stripe Checkout or a Razorpay Payment Link would: one page with the amount and
a Pay button. Paying records the success, marks the checkout paid (so the payer page's return
check finds it), owes the org's intake a signed `checkout.session.completed` webhook, and sends
the payer back to the payer page's success URL, as a PSP's hosted page does.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.intake.models import Transaction
from tinko.intake.reports import SuccessReport
from tinko.intake.service import record_success_of
from tinko.kit.clock import Clock
from tinko.psp import sandbox_events
from tinko.psp.models import PspCheckout
from tinko.recovery import engine, links
from tinko.recovery.models import OPEN_STATUSES
from tinko.tenancy.models import Organization

router: APIRouter = TinkoRouter(
    prefix="/sandbox/checkout", tags=["sandbox"], include_in_schema=False
)
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
}

_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sandbox checkout</title>
<body style="font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem">
<p><strong>Sandbox PSP</strong>: a test checkout. No real money moves.</p>
<h1 style="font-size:1.4rem">{merchant}</h1><p style="font-size:1.6rem">{amount}</p>
{body}</body></html>"""


def _amount(transaction: Transaction) -> str:
    return f"{transaction.currency} {transaction.amount_minor / 100:,.2f}"


@router.get("/{token}", response_class=HTMLResponse)
def sandbox_checkout(
    token: str, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> HTMLResponse:
    _, case = links.resolve(session, clock, settings.secret_key, token)
    transaction = session.get_one(Transaction, case.transaction_id)
    org = session.get_one(Organization, case.org_id)
    if case.status in OPEN_STATUSES:
        body = (
            f'<form method="post" action="/sandbox/checkout/{escape(token)}/pay">'
            '<button type="submit" style="font-size:1.1rem;padding:.7rem 1.4rem">Pay</button>'
            "</form>"
        )
    else:
        body = f"<p>This payment is {escape(case.status)}; there is nothing to pay.</p>"
    html = _PAGE.format(merchant=escape(org.name), amount=escape(_amount(transaction)), body=body)
    return HTMLResponse(html, headers=_HEADERS)


@router.post("/{token}/pay", response_model=None)
def sandbox_pay(
    token: str, request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> RedirectResponse:
    link, case = links.resolve(session, clock, settings.secret_key, token, for_update=True)
    if case.status in OPEN_STATUSES:
        locked = engine.lock_for_work(session, case_id=case.id)
        assert locked is not None
        _, case, transaction = locked
        now = clock.now()
        record_success_of(
            session,
            clock,
            transaction,
            SuccessReport(
                transaction_ref=transaction.transaction_ref,
                gateway="sandbox",
                occurred_at=now,
                amount_minor=transaction.amount_minor,
                currency=transaction.currency,
                event_type="sandbox.checkout_paid",
            ),
            source="payer_page",
            external_id=f"sandbox_checkout:{link.id}",
            case=case,
        )
        link.used_at = now
        _mark_paid(session, clock, link.id, case.id, transaction)
    return RedirectResponse(f"{settings.base_url}/pay/{token}/success", status_code=303)


def _mark_paid(
    session: Session, clock: Clock, link_id: str, case_id: str, transaction: Transaction
) -> None:
    now = clock.now()
    checkout = session.scalars(
        select(PspCheckout)
        .where(
            PspCheckout.org_id == transaction.org_id,
            PspCheckout.link_id == link_id,
            PspCheckout.psp == "sandbox",
        )
        .order_by(PspCheckout.created_at.desc())
        .limit(1)
    ).first()
    if checkout is not None:
        checkout.status, checkout.paid_at = "paid", now
    sandbox_events.owe_event(
        session,
        clock,
        transaction.org_id,
        "checkout.session.completed",
        sandbox_events.checkout_session_object(
            checkout_id=checkout.external_id if checkout else f"cs_sandbox_{link_id}",
            amount_minor=transaction.amount_minor,
            currency=transaction.currency,
            transaction_ref=transaction.transaction_ref,
            case_id=case_id,
        ),
    )
