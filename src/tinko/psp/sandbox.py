"""The sandbox PSP (docs/api.md, docs/sandbox.md): deterministic, scripted by payment method.

- `pm_sandbox_success` approves;
- `pm_sandbox_insufficient_funds` declines for funds every time;
- `pm_sandbox_funds_after_<N>d` declines for funds until N days after the first failure
  (or its first charge here), then approves;
- `pm_sandbox_stolen` hard-declines (`stolen_card`);
- `pm_sandbox_issuer_down` fails as issuer unavailable;
- `pm_sandbox_auth_required` needs the customer (`authentication_required`);
- `pm_sandbox_slow_success` approves, but its caller gets the answer only 3 seconds after the
  charge is committed to the ledger (see below).

It also knows Stripe's documented test PaymentMethods (`pm_card_visa` approves,
`pm_card_visa_chargeDeclinedInsufficientFunds` declines for funds, ...; the table below), so a
failure copied from a Stripe test-mode account replays here as it would there.

Any of the `pm_sandbox_*` ones may carry a suffix (`pm_sandbox_success_cust42`): the same
behaviour on a card of its own, so demos and tests can have many distinct cards.

Like Stripe, a repeated idempotency key returns the first result without charging again (and
without the slow card's wait). An approved charge owes the organisation's intake a signed
`payment_intent.succeeded` webhook (sandbox_events.py), as a PSP would send.

The slow card is a test and demo aid for crash safety: it opens a window between "the money
moved" and "the engine recorded it" wide enough to kill a worker in. Like every adapter, the
sandbox writes its ledger row in the caller's unit of work and leaves the commit to the caller,
so the wait cannot be a sleep inside `charge`: the row would not be committed yet. Instead
`charge` marks the session, and a session hook sleeps once that unit of work has committed and
given back its connection (a rollback cancels the wait). Nothing outside this module knows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_new
from tinko.payments.reports import FailureReport, SuccessReport
from tinko.psp import sandbox_events
from tinko.psp.base import (
    ChargeRequest,
    ChargeResult,
    CheckoutRequest,
    CheckoutState,
    HostedCheckout,
    PSPTerminalError,
    RefundResult,
)
from tinko.psp.models import PspCheckout, SandboxCharge
from tinko.psp.stripe_events import StripeWebhooks

_FUNDS_AFTER = re.compile(r"^pm_sandbox_funds_after_(\d{1,3})d(_[\w-]+)?$")
_SCRIPTED = re.compile(
    r"^(pm_sandbox_(?:success|slow_success|insufficient_funds|stolen|issuer_down|auth_required))"
    r"(_[\w-]+)?$"
)
_APPROVES = frozenset({"pm_sandbox_success", "pm_sandbox_slow_success"})
SLOW_SUCCESS_SECONDS = 3.0  # the slow card's wait between the commit and the answer
_SETTLE = "tinko.sandbox_settle_seconds"  # session.info: wait after this unit of work commits
_SETTLE_NOW = "tinko.sandbox_settle_committed"
_DECLINES = {
    "pm_sandbox_insufficient_funds": ("insufficient_funds", "Your card has insufficient funds."),
    "pm_sandbox_stolen": ("stolen_card", "The card was reported stolen."),
    "pm_sandbox_issuer_down": ("issuer_not_available", "The card issuer could not be reached."),
    "pm_sandbox_auth_required": (
        "authentication_required",
        "The card issuer requires the customer to authenticate.",
    ),
}

_GENERIC_DECLINE = ("generic_decline", "The card was declined.")
# Stripe's test PaymentMethods and the outcome each one gives off-session.
# Source: Stripe docs, "Testing" (docs.stripe.com/testing): "Cards by brand", "Declined payments".
_STRIPE_TEST_METHODS: dict[str, tuple[str, str] | None] = {
    **{
        f"pm_card_{brand}": None
        for brand in (
            "visa",
            "visa_debit",
            "mastercard",
            "mastercard_debit",
            "mastercard_prepaid",
            "amex",
            "discover",
            "diners",
            "jcb",
            "unionpay",
            "in",
        )
    },
    "pm_card_visa_chargeDeclined": _GENERIC_DECLINE,
    "pm_card_chargeDeclined": _GENERIC_DECLINE,
    "pm_card_visa_chargeDeclinedInsufficientFunds": _DECLINES["pm_sandbox_insufficient_funds"],
    "pm_card_chargeDeclinedInsufficientFunds": _DECLINES["pm_sandbox_insufficient_funds"],
    "pm_card_visa_chargeDeclinedLostCard": ("lost_card", "The card was reported lost."),
    "pm_card_visa_chargeDeclinedStolenCard": _DECLINES["pm_sandbox_stolen"],
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "The card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", "The card's security code is wrong."),
    "pm_card_chargeDeclinedProcessingError": (
        "processing_error",
        "An error occurred while processing the card.",
    ),
    "pm_card_visa_chargeDeclinedVelocityLimitExceeded": (
        "card_velocity_exceeded",
        "The card has exceeded its spending limit.",
    ),
    "pm_card_chargeDeclinedFraudulent": ("fraudulent", "The payment was declined as fraudulent."),
    "pm_card_authenticationRequired": _DECLINES["pm_sandbox_auth_required"],
    "pm_card_authenticationRequiredOnSetup": _DECLINES["pm_sandbox_auth_required"],
}


class SandboxPSP:
    name = "sandbox"

    def __init__(self, clock: Clock, base_url: str = "", session: Session | None = None) -> None:
        self._clock = clock
        self._base_url = base_url  # where its hosted checkout page is served
        self._session = session  # its ledger lives in our database, in the caller's unit of work

    def bound(self, session: Session) -> SandboxPSP:
        """The same sandbox writing its ledger through `session`."""
        return SandboxPSP(self._clock, self._base_url, session)

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the sandbox PSP needs a session: use provider_for or bound()")
        return self._session

    def charge(self, request: ChargeRequest) -> ChargeResult:
        session = self.session
        # Decide, then write the result under the key in one statement; a key seen before
        # keeps its first result (the insert finds the row and writes nothing).
        status, decline_code, message = self._decide(session, request)
        inserted = insert_new(
            session,
            SandboxCharge,
            {
                "id": new_id("sbch"),
                "org_id": request.org_id,
                "idempotency_key": request.idempotency_key,
                "payment_method_ref": request.payment_method_ref,
                "amount_minor": request.amount_minor,
                "currency": request.currency,
                "status": status,
                "decline_code": decline_code,
                "message": message,
                "created_at": self._clock.now(),
            },
            ["org_id", "idempotency_key"],
        )
        recorded = inserted or self._recorded(session, request)
        assert recorded is not None
        if inserted and _behaviour(request.payment_method_ref) == "pm_sandbox_slow_success":
            session.info[_SETTLE] = SLOW_SUCCESS_SECONDS
        if inserted and status == "succeeded" and request.transaction_ref:
            sandbox_events.owe_event(
                session,
                self._clock,
                request.org_id,
                "payment_intent.succeeded",
                sandbox_events.payment_intent_object(
                    charge_id=inserted.id,
                    amount_minor=request.amount_minor,
                    currency=request.currency,
                    transaction_ref=request.transaction_ref,
                    method=request.payment_method_ref,
                ),
            )
        return _result(recorded)

    def retrieve(self, org_id: str, psp_reference: str) -> ChargeResult:
        return _result(self._charge_row(self.session, org_id, psp_reference))

    def refund(
        self,
        org_id: str,
        psp_reference: str,
        *,
        idempotency_key: str,
        amount_minor: int | None = None,
    ) -> RefundResult:
        session = self.session
        charge = self._charge_row(session, org_id, psp_reference, for_update=True)
        if amount_minor is not None and amount_minor != charge.amount_minor:
            raise PSPTerminalError("The sandbox refunds whole charges only.")
        if charge.status not in ("succeeded", "refunded"):
            raise PSPTerminalError(f"Charge {charge.id} was {charge.status}; nothing to refund.")
        charge.status = "refunded"  # a second refund of the same charge finds it refunded
        return RefundResult(
            f"sbrf_{charge.id[5:]}", "succeeded", charge.amount_minor, charge.currency
        )

    def _charge_row(
        self, session: Session, org_id: str, charge_id: str, *, for_update: bool = False
    ) -> SandboxCharge:
        statement = select(SandboxCharge).where(
            SandboxCharge.org_id == org_id, SandboxCharge.id == charge_id
        )
        charge = session.scalars(
            statement.with_for_update() if for_update else statement
        ).one_or_none()
        if charge is None:
            raise PSPTerminalError(f"The sandbox has no charge {charge_id!r}.")
        return charge

    def create_checkout(self, request: CheckoutRequest) -> HostedCheckout:
        query = f"?method={request.method}" if request.method else ""
        return HostedCheckout(
            external_id=f"cs_sandbox_{request.reference}",
            url=f"{self._base_url}/sandbox/checkout/{request.token}{query}",
        )

    def checkout_state(
        self, org_id: str, external_id: str, params: Mapping[str, str]
    ) -> CheckoutState:
        checkout = self.session.scalars(
            select(PspCheckout).where(
                PspCheckout.org_id == org_id,
                PspCheckout.psp == self.name,
                PspCheckout.external_id == external_id,
            )
        ).one_or_none()
        if checkout is None:
            return CheckoutState("invalid", reason="the sandbox has no such checkout")
        return CheckoutState(
            "paid" if checkout.status == "paid" else "pending",
            amount_minor=checkout.amount_minor,
            currency=checkout.currency,
            psp_reference=checkout.external_id,
            reference=checkout.id,
        )

    def verify_credentials(self) -> str:
        return "The sandbox needs no credentials."

    def _recorded(self, session: Session, request: ChargeRequest) -> SandboxCharge | None:
        return session.scalars(
            select(SandboxCharge).where(
                SandboxCharge.org_id == request.org_id,
                SandboxCharge.idempotency_key == request.idempotency_key,
            )
        ).one_or_none()

    def _decide(
        self, session: Session, request: ChargeRequest
    ) -> tuple[str, str | None, str | None]:
        ref = request.payment_method_ref
        behaviour = _behaviour(ref)
        if behaviour in _APPROVES:
            return "succeeded", None, None
        if behaviour in _DECLINES:
            code, message = _DECLINES[behaviour]
            return "declined", code, message
        if ref in _STRIPE_TEST_METHODS:
            decline = _STRIPE_TEST_METHODS[ref]
            return ("declined", *decline) if decline else ("succeeded", None, None)
        match = _FUNDS_AFTER.match(ref)
        if match:
            first_seen = (
                request.first_failed_at
                or session.scalars(
                    select(SandboxCharge.created_at)
                    .where(
                        SandboxCharge.org_id == request.org_id,
                        SandboxCharge.payment_method_ref == ref,
                    )
                    .order_by(SandboxCharge.created_at)
                    .limit(1)
                ).first()
                or self._clock.now()
            )
            if self._clock.now() >= first_seen + timedelta(days=int(match.group(1))):
                return "succeeded", None, None
            return "declined", "insufficient_funds", "Your card has insufficient funds."
        raise PSPTerminalError(
            f"the sandbox has no payment method {ref!r}: use pm_sandbox_success, "
            "pm_sandbox_insufficient_funds, pm_sandbox_funds_after_<N>d, pm_sandbox_stolen, "
            "pm_sandbox_issuer_down, pm_sandbox_auth_required or one of Stripe's test "
            "PaymentMethods such as pm_card_visa (docs/sandbox.md)"
        )


def _behaviour(ref: str) -> str:
    scripted = _SCRIPTED.match(ref)
    return scripted.group(1) if scripted else ref


@event.listens_for(Session, "after_commit")
def _charge_committed(session: Session) -> None:
    # A savepoint's release fires this too; only the outermost commit puts the row in the ledger.
    if _SETTLE in session.info and not session.in_nested_transaction():
        session.info[_SETTLE_NOW] = session.info.pop(_SETTLE)


@event.listens_for(Session, "after_transaction_end")
def _settle(session: Session, transaction: SessionTransaction) -> None:
    # Fires after the connection went back to the pool, so the wait holds no database resource.
    if transaction.parent is not None:
        return
    session.info.pop(_SETTLE, None)  # rolled back: no charge, no wait
    seconds = session.info.pop(_SETTLE_NOW, 0.0)
    if seconds:
        time.sleep(seconds)


def _result(charge: SandboxCharge) -> ChargeResult:
    if charge.status == "succeeded":
        return ChargeResult(status="succeeded", psp_reference=charge.id)
    return ChargeResult(
        status="declined",
        psp_reference=charge.id,
        decline_code=charge.decline_code,
        failure_code="card_declined",
        message=charge.message,
    )


class SandboxWebhooks(StripeWebhooks):
    """The sandbox's own webhooks: Stripe's format and signature (sandbox_events.py), reported
    as the sandbox gateway's."""

    def parse(self, event: dict[str, Any]) -> FailureReport | SuccessReport | None:
        report = super().parse(event)
        return replace(report, gateway=SandboxPSP.name) if report else None
