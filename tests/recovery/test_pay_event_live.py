"""The live engine retries once per pay event (decisions 0021, 0025) and, for a card, between
paydays when the next one is far off (decision 0025)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.recovery.conftest import sandbox_failure
from tinko.kit.clock import FrozenClock

URL = "/v1/events/payment_failed"
# A Friday: the next pay event of India's calendar is Monday 30 November and Tuesday 1 December.
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _failure(ref: str, method_type: str, network: str | None) -> dict[str, Any]:
    return sandbox_failure(
        ref,
        f"pm_sandbox_insufficient_funds_{ref}",
        payment_method_type=method_type,
        card_network=network,
        customer={"email": "asha@example.in", "name": "Asha Rao", "country": "IN"},
        occurred_at=(NOW - timedelta(minutes=1)).isoformat(),
    )


def _retry(client: TestClient, headers: dict[str, str], ref: str) -> dict[str, Any]:
    client.app.state.runner.drain()  # type: ignore[attr-defined]  # let planning jobs finish
    response = client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers)
    assert response.status_code == 200, response.text
    [retry] = [a for a in response.json()["attempts"] if a["kind"] == "psp_retry"]
    return dict(retry)


def test_a_mandate_is_retried_on_the_last_day_of_the_pay_event(
    client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(NOW)
    posted = client.post(URL, json=_failure("pe1", "emandate", None), headers=key_headers)
    assert posted.status_code < 300, posted.text
    retry = _retry(client, key_headers, "pe1")
    # 09:00 in India on 1 December, not on 30 November as well.
    assert datetime.fromisoformat(retry["scheduled_for"]) == datetime(
        2026, 12, 1, 3, 30, tzinfo=UTC
    )
    assert retry["reason"]["params"]["pattern"] == "pay_event"


def test_a_card_is_retried_once_per_pay_event_on_its_last_day(
    client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(NOW)
    posted = client.post(URL, json=_failure("pe2", "card", "visa"), headers=key_headers)
    assert posted.status_code < 300, posted.text
    retry = _retry(client, key_headers, "pe2")
    # Ten days after the failure is within two days of the pay event: no retry between.
    assert datetime.fromisoformat(retry["scheduled_for"]) == datetime(
        2026, 12, 1, 3, 30, tzinfo=UTC
    )
    assert retry["reason"]["params"]["pattern"] == "monthly"  # the day's own pattern


def test_a_card_far_from_the_next_payday_is_retried_ten_days_after_the_failure(
    client: TestClient, key_headers: dict[str, str], clock: FrozenClock
) -> None:
    # Sunday 8 November: India's next pay event is 30 November-1 December, 22 days off, and
    # three retries are left for it after one in between.
    failed = datetime(2026, 11, 8, 6, 0, tzinfo=UTC)
    clock.set(failed + timedelta(minutes=1))
    body = _failure("pe3", "card", "visa")
    body["occurred_at"] = failed.isoformat()
    posted = client.post(URL, json=body, headers=key_headers)
    assert posted.status_code < 300, posted.text
    retry = _retry(client, key_headers, "pe3")
    assert datetime.fromisoformat(retry["scheduled_for"]) == failed + timedelta(days=10)
    assert retry["reason"]["code"] == "planned_by_policy"
    assert retry["reason"]["params"]["delay_minutes"] == 10 * 24 * 60
