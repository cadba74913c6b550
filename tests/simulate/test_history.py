"""The demo organisation's simulated history (`tinko demo`): written once, through the real
tables, readable through the API, and left in a state the live scheduler carries on from."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import Account, register
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.demo import ensure_demo_history, ensure_demo_org
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock
from tinko.notify import copy
from tinko.notify.models import NotificationOptOut, OutboundMessage
from tinko.notify.render import TemplateContent, render_message, variables_for
from tinko.payments.models import PaymentEvent, Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink, TimelineEntry
from tinko.simulate.history import HistoryReport, MessageRenderer, fill_history

SMALL = 200  # failures over the 90 days: every kind of case, in well under a second
TABLES: tuple[Any, ...] = (
    Transaction,
    PaymentEvent,
    RecoveryCase,
    RecoveryAttempt,
    RecoveryLink,
    OutboundMessage,
    TimelineEntry,
)
SANDBOX_REF = re.compile(
    r"^pm_sandbox_(funds_after_\d{1,3}d|insufficient_funds|stolen|auth_required)_c\d{5}$"
)


def _factory(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.session_factory
    return factory


def _fill(app: FastAPI, clock: FrozenClock, settings: Settings, org_id: str) -> HistoryReport:
    with unit_of_work(_factory(app)) as session:
        return fill_history(session, clock, settings, org_id, failures=SMALL)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Demo Store")


@pytest.fixture
def filled(app: FastAPI, clock: FrozenClock, settings: Settings, owner: Account) -> HistoryReport:
    return _fill(app, clock, settings, owner.org_id)


def _count(app: FastAPI, model: Any, org_id: str | None = None) -> int:
    with _factory(app)() as session:
        statement = select(func.count()).select_from(model)
        if org_id is not None:
            statement = statement.where(model.org_id == org_id)
        return int(session.scalar(statement) or 0)


def test_writes_failures_recoveries_and_open_cases(
    app: FastAPI, filled: HistoryReport, owner: Account
) -> None:
    assert filled.created
    assert filled.failures == SMALL
    with _factory(app)() as session:
        statuses = Counter(session.scalars(select(RecoveryCase.status)).all())
        kinds = Counter(
            (kind, outcome)
            for kind, outcome in session.execute(
                select(RecoveryAttempt.kind, RecoveryAttempt.outcome)
            ).all()
        )
    assert sum(statuses.values()) == SMALL
    assert statuses["recovered"] == filled.recovered > 0
    assert statuses["exhausted"] > 0
    assert statuses["scheduled"] == filled.open > 0
    assert kinds[("psp_retry", "declined")] > 0
    assert kinds[("psp_retry", "succeeded")] > 0
    assert kinds[("notification", "succeeded")] == filled.messages > 0
    for model in TABLES:
        assert _count(app, model, owner.org_id) > 0, model.__name__


def test_every_case_renders_through_the_api(
    client: TestClient, filled: HistoryReport, owner: Account
) -> None:
    listed: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/recoveries", params=params, headers=owner.headers)
        assert page.status_code == 200, page.text
        listed += page.json()["data"]
        cursor = page.json().get("next_cursor")
        if not cursor:
            break
    assert len(listed) == SMALL
    for summary in listed:
        response = client.get(f"/v1/recoveries/{summary['id']}", headers=owner.headers)
        assert response.status_code == 200, response.text
        case = response.json()
        assert case["transaction"]["amount"] == summary["amount"] > 0
        assert case["transaction"]["currency"] == "INR"
        assert (case["closed_at"] is not None) == (case["status"] != "scheduled")
        assert case["timeline"], case["id"]


def test_the_messages_show_in_the_delivery_log(
    client: TestClient, filled: HistoryReport, owner: Account
) -> None:
    response = client.get("/v1/notifications", params={"limit": 100}, headers=owner.headers)
    assert response.status_code == 200, response.text
    messages = response.json()["data"]
    assert messages
    assert {m["status"] for m in messages} == {"outbox"}  # no SMTP or Twilio in the tests
    one = client.get(f"/v1/notifications/{messages[0]['id']}", headers=owner.headers)
    assert one.status_code == 200, one.text
    assert "/pay/" in str(one.json())


def test_recovered_payments_are_paid_once_with_a_success_event(
    app: FastAPI, filled: HistoryReport
) -> None:
    with _factory(app)() as session:
        rows = session.execute(
            select(Transaction.status, RecoveryCase.status, func.count(PaymentEvent.id))
            .join(RecoveryCase, RecoveryCase.transaction_id == Transaction.id)
            .join(PaymentEvent, PaymentEvent.transaction_id == Transaction.id)
            .where(PaymentEvent.kind == "payment_succeeded")
            .group_by(Transaction.id, Transaction.status, RecoveryCase.status)
        ).all()
    assert len(rows) == filled.recovered
    assert all(row == ("succeeded", "recovered", 1) for row in rows)


def test_open_cases_are_scheduled_on_sandbox_cards_with_a_future_next_step(
    app: FastAPI, filled: HistoryReport, clock: FrozenClock
) -> None:
    now = clock.now()
    with _factory(app)() as session:
        open_cases = session.execute(
            select(RecoveryCase, Transaction)
            .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
            .where(RecoveryCase.status == "scheduled")
        ).all()
        assert open_cases
        for case, transaction in open_cases:
            assert SANDBOX_REF.match(transaction.payment_method_ref or ""), transaction
            planned = session.scalars(
                select(RecoveryAttempt.scheduled_for).where(
                    RecoveryAttempt.case_id == case.id, RecoveryAttempt.status == "scheduled"
                )
            ).all()
            assert case.next_action_at is not None
            assert _aware(case.next_action_at) > now
            assert min(_aware(at) for at in planned) == _aware(case.next_action_at)
            assert case.expires_at is not None
            assert _aware(case.expires_at) > now


def test_the_live_scheduler_carries_on_an_open_case(
    app: FastAPI, filled: HistoryReport, clock: FrozenClock
) -> None:
    with _factory(app)() as session:
        first_due = session.scalars(
            select(RecoveryAttempt)
            .where(RecoveryAttempt.status == "scheduled")
            .order_by(RecoveryAttempt.scheduled_for)
            .limit(1)
        ).one()
        attempt_id, due = first_due.id, _aware(first_due.scheduled_for)
    clock.set(due + timedelta(seconds=1))
    run_job(JobContext(app.state.settings, _factory(app), clock), "recovery.sweep_due", {})
    app.state.runner.drain()
    with _factory(app)() as session:
        ran = session.get_one(RecoveryAttempt, attempt_id)
        assert ran.status == "done", (ran.status, ran.detail)
        assert ran.outcome in ("succeeded", "declined", "blocked", "skipped")


def test_running_it_again_writes_nothing(
    app: FastAPI, filled: HistoryReport, clock: FrozenClock, settings: Settings, owner: Account
) -> None:
    before = {model.__name__: _count(app, model) for model in TABLES}
    again = _fill(app, clock, settings, owner.org_id)
    assert again == HistoryReport(created=False)
    assert {model.__name__: _count(app, model) for model in TABLES} == before


def test_everything_that_happened_is_within_the_last_90_days(
    app: FastAPI, filled: HistoryReport, clock: FrozenClock
) -> None:
    now = clock.now()
    since = now - timedelta(days=90)
    columns = [
        Transaction.created_at,
        Transaction.last_failed_at,
        Transaction.succeeded_at,
        PaymentEvent.occurred_at,
        PaymentEvent.received_at,
        RecoveryCase.created_at,
        RecoveryCase.updated_at,
        RecoveryCase.closed_at,
        RecoveryAttempt.created_at,
        RecoveryAttempt.started_at,
        RecoveryAttempt.finished_at,
        RecoveryLink.created_at,
        RecoveryLink.used_at,
        OutboundMessage.created_at,
        OutboundMessage.sent_at,
        TimelineEntry.at,
        NotificationOptOut.created_at,
    ]
    with _factory(app)() as session:
        for column in columns:
            moments = [m for m in session.scalars(select(column)).all() if m is not None]
            assert all(since <= _aware(m) <= now for m in moments), column
        done = session.scalars(
            select(RecoveryAttempt.scheduled_for).where(RecoveryAttempt.status == "done")
        ).all()
        assert all(since <= _aware(m) <= now for m in done)


def test_every_row_belongs_to_the_demo_organisation_only(
    app: FastAPI, client: TestClient, filled: HistoryReport, owner: Account
) -> None:
    other = register(client, org_name="Another Store")
    for model in (*TABLES, NotificationOptOut):
        total = _count(app, model)
        assert _count(app, model, owner.org_id) == total, model.__name__
        assert _count(app, model, other.org_id) == 0, model.__name__
    assert client.get("/v1/recoveries", headers=other.headers).json()["data"] == []


@pytest.mark.parametrize("lang", copy.LOCALES)
@pytest.mark.parametrize("channel", ["email", "sms", "whatsapp"])
def test_messages_read_as_the_live_renderer_writes_them(channel: str, lang: str) -> None:
    values = {
        "customer_name": "Ananya Iyer",
        "amount": "₹1,499.00",
        "link": "http://127.0.0.1:8000/pay/abc.def",
        "expiry": "4 Nov 2026, 3:00 pm IST",
        "reason": "Not enough balance <& more>",
    }
    alternates = ["UPI", "Net banking"]
    optout = "http://127.0.0.1:8000/unsubscribe/xyz.123"
    shipped = copy.default_template(channel, lang)
    live = render_message(
        TemplateContent(shipped.subject, shipped.body, shipped.html),
        variables_for({**values, "currency": "INR", "merchant": "Demo Store"}, alternates),
        channel=channel,
        locale=lang,
        unsubscribe_url=optout,
    )
    fast = MessageRenderer("Demo Store", "INR").render(
        channel, lang, {**values, "optout": optout}, alternates
    )
    assert fast == live


def test_the_demo_command_fills_its_organisation_once(
    settings: Settings, clock: FrozenClock, engine: Any
) -> None:
    credentials = ensure_demo_org(settings, password="history-test")
    assert credentials.email
    first = ensure_demo_history(settings, clock, failures=50)
    second = ensure_demo_history(settings, clock, failures=50)
    assert first.created
    assert first.failures == 50
    assert not second.created
