"""The engine's card history and case facts: what the network rules and the planner see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import START
from tests.recovery.conftest import sandbox_failure
from tinko.kit.clock import FrozenClock
from tinko.kit.ids import new_id
from tinko.notify.contacts import recipient_digest
from tinko.notify.optouts import OptOutTarget, opt_out
from tinko.payments.models import Transaction
from tinko.recovery.card_history import HISTORY_DAYS, card_history
from tinko.recovery.guard import check_attempt
from tinko.recovery.guard.types import ProposedAttempt
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.planning import payment_view

URL = "/v1/events/payment_failed"
UPI = {"payment_method_type": "upi", "card_network": None}


def _report(client: TestClient, headers: dict[str, str], ref: str, **fields: object) -> None:
    body = sandbox_failure(ref, "pm_sandbox_insufficient_funds_mandate1", **fields)
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 202, response.text
    client.app.state.runner.drain()  # type: ignore[attr-defined]


def _transaction(session: Session, ref: str) -> Transaction:
    return session.scalars(select(Transaction).where(Transaction.transaction_ref == ref)).one()


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _declined_retry(
    session: Session,
    transaction: Transaction,
    at: datetime,
    outcome: str = "declined",
    psp_reference: str | None = None,
) -> None:
    case = session.scalars(
        select(RecoveryCase).where(RecoveryCase.transaction_id == transaction.id)
    ).one()
    session.add(
        RecoveryAttempt(
            id=new_id("att"),
            org_id=transaction.org_id,
            case_id=case.id,
            kind="psp_retry",
            attempt_number=99,
            status="done",
            outcome=outcome,
            psp_reference=psp_reference,
            scheduled_for=at,
            started_at=at,
            finished_at=at + timedelta(seconds=3),
            payment_method_ref=transaction.payment_method_ref,
            created_at=at,
        )
    )
    session.flush()


def test_the_failed_payment_itself_is_in_the_card_history(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(client, key_headers, "h1", **UPI)
    with app.state.session_factory() as session:
        [attempt] = card_history(session, _transaction(session, "h1"), clock.now())
    assert (attempt.initiator, attempt.approved) == ("merchant", False)
    assert _as_utc(attempt.at) == START - timedelta(minutes=1)


def test_failures_of_other_payments_on_the_same_mandate_count_too(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(client, key_headers, "h2a", **UPI)
    _report(client, key_headers, "h2b", **UPI, occurred_at=START.isoformat())
    with app.state.session_factory() as session:
        history = card_history(session, _transaction(session, "h2b"), clock.now())
    assert len(history) == 2


def test_failures_older_than_the_network_window_are_left_out(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(client, key_headers, "h3", **UPI)
    clock.advance(timedelta(days=HISTORY_DAYS + 1))  # NACHA's 180 days are the longest
    with app.state.session_factory() as session:
        assert card_history(session, _transaction(session, "h3"), clock.now()) == []


def test_a_failure_report_of_our_own_retry_is_not_counted_twice(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(client, key_headers, "h4", **UPI)
    retry_at = START + timedelta(days=1)
    with app.state.session_factory() as session, session.begin():
        _declined_retry(session, _transaction(session, "h4"), retry_at)
    clock.set(retry_at + timedelta(seconds=5))
    # The PSP's webhook about that retry arrives as another payment_failed of the payment.
    _report(client, key_headers, "h4", **UPI, occurred_at=retry_at.isoformat())
    with app.state.session_factory() as session:
        history = card_history(session, _transaction(session, "h4"), clock.now())
    assert len(history) == 2  # the original debit and our one retry


def test_npci_counts_the_failed_debit_as_the_first_of_four_tries(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(client, key_headers, "h5", **UPI)
    with app.state.session_factory() as session, session.begin():
        transaction = _transaction(session, "h5")
        for day in (1, 2, 3):  # three retries after the failed debit: NPCI's 1 + 3
            _declined_retry(session, transaction, START + timedelta(days=day, hours=-4))
    clock.set(START + timedelta(days=4, hours=-4))
    with app.state.session_factory() as session:
        history = card_history(session, _transaction(session, "h5"), clock.now())
    proposed = ProposedAttempt(
        at=clock.now(),
        initiator="merchant",
        card_network=None,
        payment_method_type="upi",
        last_decline_visa_category=None,
        last_decline_merchant_advice_code=None,
        last_decline_at=None,
    )
    decision = check_attempt(proposed, history)
    assert not decision.allowed
    assert decision.rule is not None
    assert "cycle" in decision.rule


def test_an_opted_out_channel_is_not_reachable(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(
        client, key_headers, "h6", customer={"email": "asha@example.in", "phone": "+919876543210"}
    )
    with app.state.session_factory() as session, session.begin():
        transaction = _transaction(session, "h6")
        target = OptOutTarget(transaction.org_id, "sms", recipient_digest("+919876543210"))
        opt_out(session, clock, target, "test")
    with app.state.session_factory() as session:
        transaction = _transaction(session, "h6")
        case = session.scalars(
            select(RecoveryCase).where(RecoveryCase.transaction_id == transaction.id)
        ).one()
        payment = payment_view(case, transaction, clock.now())
    assert payment.reachable_channels == ("email", "whatsapp")


def test_an_ach_debits_returns_count_for_180_days(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    # Stripe's us_bank_account is stored as netbanking; NACHA: the original and two
    # reinitiations within 180 days, so the history must reach back further than a card's.
    _report(client, key_headers, "h6", payment_method_type="netbanking", card_network=None)
    with app.state.session_factory() as session, session.begin():
        transaction = _transaction(session, "h6")
        for day in (40, 80):
            _declined_retry(session, transaction, START + timedelta(days=day))
    clock.set(START + timedelta(days=120))
    with app.state.session_factory() as session:
        history = card_history(session, _transaction(session, "h6"), clock.now())
    proposed = ProposedAttempt(
        at=clock.now(),
        initiator="merchant",
        card_network=None,
        payment_method_type="netbanking",
        last_decline_visa_category=None,
        last_decline_merchant_advice_code=None,
        last_decline_at=None,
    )
    assert check_attempt(proposed, history).rule == "ach_debit.cycle_cap"


def test_a_debit_left_unsettled_still_counts_as_presented(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    # The engine stops waiting for a pending debit after a week; its ACH return can come later.
    _report(client, key_headers, "h7", payment_method_type="ach_debit", card_network=None)
    with app.state.session_factory() as session, session.begin():
        transaction = _transaction(session, "h7")
        _declined_retry(session, transaction, START + timedelta(days=10), "failed", "pi_late")
    clock.set(START + timedelta(days=20))
    with app.state.session_factory() as session:
        history = card_history(session, _transaction(session, "h7"), clock.now())
    assert len(history) == 2


def test_an_attempt_the_psp_never_took_is_not_history(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    _report(client, key_headers, "h8", payment_method_type="ach_debit", card_network=None)
    with app.state.session_factory() as session, session.begin():
        transaction = _transaction(session, "h8")
        _declined_retry(session, transaction, START + timedelta(days=10), "failed", None)
    clock.set(START + timedelta(days=20))
    with app.state.session_factory() as session:
        history = card_history(session, _transaction(session, "h8"), clock.now())
    assert len(history) == 1
