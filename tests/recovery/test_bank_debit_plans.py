"""Bank debits end to end on the sandbox: reported at intake as ach_debit / sepa_debit, retried
at most twice (Nacha's reinitiation cap), on weekdays, and never after an unauthorised return."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.recovery.conftest import Engine, sandbox_failure
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.settlement import last_send_moment

URL = "/v1/events/payment_failed"
ORG_ZONE = ZoneInfo("Asia/Kolkata")  # the recovery tests' organisation
DEBIT = {"currency": "USD", "card_network": None, "customer": {"email": "ada@example.com"}}


def _report(client: TestClient, headers: dict[str, str], **fields: object) -> None:
    response = client.post(URL, json=sandbox_failure(**fields), headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 202, response.text


def _retries(app: FastAPI) -> list[RecoveryAttempt]:
    with app.state.session_factory() as session:
        query = select(RecoveryAttempt).where(
            RecoveryAttempt.kind == "psp_retry", RecoveryAttempt.outcome.is_not(None)
        )
        return list(session.scalars(query).all())


def test_an_ach_debit_is_presented_at_most_twice_more(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _report(
        client,
        key_headers,
        ref="ach-1",
        method="pm_sandbox_insufficient_funds_ach1",
        payment_method_type="ach_debit",
        failure_code="R01",
        decline_code=None,
        **DEBIT,
    )
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=6))
    assert [a.outcome for a in _retries(app)] == ["declined", "declined"]


def test_debit_retries_go_out_on_weekdays(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _report(
        client,
        key_headers,
        ref="sepa-1",
        method="pm_sandbox_insufficient_funds_sepa1",
        payment_method_type="sepa_debit",
        failure_code="AM04",
        decline_code=None,
        **{**DEBIT, "currency": "EUR"},
    )
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=6))
    started = [a.started_at for a in _retries(app) if a.started_at is not None]
    assert started
    local = [moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(ORG_ZONE) for moment in started]
    assert all(moment.weekday() < 5 for moment in local)


def test_an_unauthorised_ach_return_is_never_retried(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _report(
        client,
        key_headers,
        ref="ach-2",
        method="pm_sandbox_insufficient_funds_ach2",
        payment_method_type="ach_debit",
        failure_code="R10",
        decline_code=None,
        **DEBIT,
    )
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=6))
    assert _retries(app) == []


def test_no_debit_retry_is_sent_too_late_to_settle_in_the_window(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _report(
        client,
        key_headers,
        ref="ach-3",
        method="pm_sandbox_insufficient_funds_ach3",
        payment_method_type="ach_debit",
        failure_code="R01",
        decline_code=None,
        **DEBIT,
    )
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=6))
    with app.state.session_factory() as session:
        expires_at = session.scalars(select(RecoveryCase.expires_at)).one()
    assert expires_at is not None
    last = last_send_moment("ach_debit", expires_at.replace(tzinfo=expires_at.tzinfo or UTC))
    sent = [a.scheduled_for.replace(tzinfo=UTC) for a in _retries(app)]
    assert sent
    assert all(moment <= last for moment in sent)
