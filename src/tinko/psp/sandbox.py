"""The sandbox PSP (API.md "Sandbox PSP"): deterministic, scripted by payment-method reference.

- `pm_sandbox_success` approves;
- `pm_sandbox_insufficient_funds` declines for funds every time;
- `pm_sandbox_funds_after_<N>d` declines for funds until N days after the first failure
  (or its first charge here), then approves;
- `pm_sandbox_stolen` hard-declines (`stolen_card`);
- `pm_sandbox_issuer_down` fails as issuer unavailable;
- `pm_sandbox_auth_required` needs the customer (`authentication_required`);
- `pm_sandbox_slow_success` approves, but its caller gets the answer only 3 seconds after the
  charge is committed to the ledger (see below).

Any of them may carry a suffix (`pm_sandbox_success_cust42`): the same behaviour on a card of
its own, so demos and tests can have many distinct cards.

Like Stripe, a repeated idempotency key returns the first result without charging again (and
without the slow card's wait).

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
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.upsert import insert_new
from tinko.psp.base import ChargeRequest, ChargeResult, PSPTerminalError
from tinko.psp.models import SandboxCharge

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


class SandboxPSP:
    name = "sandbox"

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def charge(self, session: Session, request: ChargeRequest) -> ChargeResult:
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
        return _result(recorded)

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
        raise PSPTerminalError(f"the sandbox has no payment method {ref!r}")


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
