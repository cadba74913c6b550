from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import START
from tests.recovery.conftest import Engine, sandbox_failure
from tinko.notify.models import OutboundMessage
from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK, is_allowed
from tinko.psp.models import SandboxCharge

URL = "/v1/events/payment_failed"


def _recovery(client: TestClient, headers: dict[str, str], ref: str) -> dict:
    client.app.state.runner.drain()  # type: ignore[attr-defined]  # let planning jobs finish
    response = client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def test_soft_decline_is_scheduled_for_a_later_retry(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = client.post(
        URL, json=sandbox_failure("r1", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    assert response.status_code == 202
    full = _recovery(client, key_headers, "r1")
    assert full["status"] == "scheduled"
    assert _at(full["next_action_at"]) > START
    [retry] = [a for a in full["attempts"] if a["kind"] == "psp_retry"]
    assert retry["started_at"] is None
    assert retry["scheduled_for"] == full["next_action_at"]
    assert any(entry["kind"] == "planned" for entry in full["timeline"])


def test_hard_decline_is_never_retried_but_gets_a_link(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    body = sandbox_failure("r2", "pm_sandbox_stolen", decline_code="stolen_card")
    client.post(URL, json=body, headers=key_headers)
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=6))
    full = _recovery(client, key_headers, "r2")
    assert [a for a in full["attempts"] if a["kind"] == "psp_retry"] == []
    sent = [a for a in full["attempts"] if a["kind"] == "notification" and a["outcome"]]
    assert sent[0]["outcome"] == "succeeded"
    with app.state.session_factory() as session:
        message = session.scalars(select(OutboundMessage)).first()
    assert message is not None
    assert "/pay/" in message.body_text


def test_funds_decline_recovers_when_money_arrives(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    client.post(URL, json=sandbox_failure("r3", "pm_sandbox_funds_after_3d"), headers=key_headers)
    scheduler.run_for(timedelta(days=21), step=timedelta(hours=3))
    full = _recovery(client, key_headers, "r3")
    assert full["status"] == "recovered"
    outcomes = [a["outcome"] for a in full["attempts"] if a["kind"] == "psp_retry"]
    assert outcomes[-1] == "succeeded"
    assert all(o in ("declined", "succeeded", "cancelled") for o in outcomes)


def test_retry_happens_no_earlier_than_planned(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    client.post(URL, json=sandbox_failure("r4", "pm_sandbox_success"), headers=key_headers)
    planned = _at(_recovery(client, key_headers, "r4")["next_action_at"])
    scheduler.clock.set(planned - timedelta(minutes=1))
    scheduler.sweep()
    assert _recovery(client, key_headers, "r4")["status"] == "scheduled"
    scheduler.clock.set(planned)
    scheduler.sweep()
    assert _recovery(client, key_headers, "r4")["status"] == "recovered"


def test_upi_mandate_retries_only_in_non_peak_windows(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    body = sandbox_failure(
        "r5", "pm_sandbox_insufficient_funds", payment_method_type="upi", card_network=None
    )
    client.post(URL, json=body, headers=key_headers)
    scheduler.run_for(timedelta(days=20), step=timedelta(hours=2))
    retries = [
        a for a in _recovery(client, key_headers, "r5")["attempts"] if a["kind"] == "psp_retry"
    ]
    assert retries
    assert all(is_allowed(_at(a["scheduled_for"]), UPI_AUTOPAY_NON_PEAK) for a in retries)
    assert len([a for a in retries if a["outcome"] == "declined"]) <= 4


def test_success_webhook_cancels_pending_work(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    client.post(
        URL, json=sandbox_failure("r6", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    from tests.factories import Account  # noqa: F401

    cancel = client.post(
        f"/v1/recoveries/{_recovery(client, key_headers, 'r6')['id']}/cancel", headers=key_headers
    )
    assert cancel.status_code == 200
    full = _recovery(client, key_headers, "r6")
    assert full["status"] == "cancelled"
    assert all(a["outcome"] == "cancelled" for a in full["attempts"])


def test_cancel_twice_is_409(client: TestClient, key_headers: dict[str, str]) -> None:
    client.post(
        URL, json=sandbox_failure("r7", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    case_id = _recovery(client, key_headers, "r7")["id"]
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    again = client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    assert again.status_code == 409


def test_retry_now_runs_at_once(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    client.post(URL, json=sandbox_failure("r8", "pm_sandbox_success"), headers=key_headers)
    case_id = _recovery(client, key_headers, "r8")["id"]
    response = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=key_headers)
    assert response.status_code == 202
    scheduler.app.state.runner.drain()
    assert _recovery(client, key_headers, "r8")["status"] == "recovered"


def test_retry_now_on_a_closed_case_is_409(client: TestClient, key_headers: dict[str, str]) -> None:
    client.post(
        URL, json=sandbox_failure("r9", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    case_id = _recovery(client, key_headers, "r9")["id"]
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    response = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=key_headers)
    assert response.status_code == 409


def test_retry_now_on_a_hard_decline_is_409(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    body = sandbox_failure("r10", "pm_sandbox_stolen", decline_code="stolen_card")
    client.post(URL, json=body, headers=key_headers)
    case_id = _recovery(client, key_headers, "r10")["id"]
    assert (
        client.post(f"/v1/recoveries/{case_id}/retry-now", headers=key_headers).status_code == 409
    )


def test_an_attempt_run_twice_charges_once(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    from tinko.flows import retry as runner

    client.post(
        URL, json=sandbox_failure("r11", "pm_sandbox_insufficient_funds"), headers=key_headers
    )
    full = _recovery(client, key_headers, "r11")
    attempt_id = full["attempts"][0]["id"]
    scheduler.clock.set(_at(full["next_action_at"]))
    # A worker claims the attempt and charges, then dies before recording the result.
    [work] = runner.claim(scheduler.ctx, [attempt_id])
    assert work.charge is not None
    from tinko.db import unit_of_work
    from tinko.psp.registry import provider_for

    with unit_of_work(app.state.session_factory) as session:
        provider_for(
            session, scheduler.ctx.settings, scheduler.clock, work.org_id, "sandbox"
        ).charge(work.charge)
    # Its lease runs out; the next sweep hands the attempt to another worker.
    scheduler.clock.advance(timedelta(minutes=6))
    scheduler.sweep()
    with app.state.session_factory() as session:
        charges = session.scalar(
            select(func.count())
            .select_from(SandboxCharge)
            .where(SandboxCharge.idempotency_key == attempt_id)
        )
    assert charges == 1
    attempt = next(
        a for a in _recovery(client, key_headers, "r11")["attempts"] if a["id"] == attempt_id
    )
    assert attempt["outcome"] == "declined"


def test_one_card_never_exceeds_the_visa_cap(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    for n in range(12):
        body = sandbox_failure(
            f"card-{n}",
            "pm_sandbox_insufficient_funds",
            decline_code="do_not_honor",
            network_decline_code="05",
        )
        client.post(URL, json=body, headers=key_headers)
    scheduler.run_for(timedelta(days=30), step=timedelta(hours=4))
    from tinko.recovery.models import RecoveryAttempt

    with app.state.session_factory() as session:
        sent = sorted(
            session.scalars(
                select(RecoveryAttempt.started_at).where(
                    RecoveryAttempt.payment_method_ref == "pm_sandbox_insufficient_funds",
                    RecoveryAttempt.kind == "psp_retry",
                    RecoveryAttempt.outcome.in_(("declined", "succeeded")),
                )
            ).all()
        )
    assert sent, "some retries should have run"
    for i, first in enumerate(sent):
        in_window = [t for t in sent[i:] if t < first + timedelta(days=30)]
        assert len(in_window) <= 20
