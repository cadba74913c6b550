"""The sandbox PSP's hosted checkout (API.md "Sandbox PSP": "serves a local hosted checkout
page"), so a demo can finish a recovery through a payment link with no outside account.

It stands where Stripe Checkout or a Razorpay Payment Link would: one page with the amount and
a Pay button; paying records the success exactly as a PSP's success webhook would.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.intake.models import Transaction
from tinko.intake.reports import SuccessReport
from tinko.intake.service import record_success_of
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
    return RedirectResponse(f"/sandbox/checkout/{token}", status_code=303)
