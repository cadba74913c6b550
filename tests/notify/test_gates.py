"""What stops or holds a customer message: opt-out, quiet hours, closed cases, the frequency
cap, unusable contacts; and a delivery job that runs twice sends once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.notify.conftest import (
    deliver,
    message,
    open_case,
    queue_for,
    queued_id,
    sweep,
)
from tests.tenancy.world import RETRY_POLICY_BODY
from tinko.kit.clock import FrozenClock

# 22:00 in Kolkata: inside the default quiet hours (21:00-08:00, the org's zone).
NIGHT = datetime(2026, 11, 2, 16, 30, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 11, 3, 2, 30, tzinfo=UTC)  # 08:00 in Kolkata


def _path(url: str | None) -> str:
    assert url is not None
    return url.removeprefix("http://127.0.0.1:8000")


def _night_message(
    client: TestClient, app: FastAPI, clock: FrozenClock, headers: dict[str, str]
) -> tuple[str, str]:
    case_id = open_case(client, headers)
    clock.set(NIGHT)
    message_id = queued_id(queue_for(app, clock, case_id))
    app.state.runner.drain()
    return case_id, message_id


def test_message_at_night_waits_for_the_end_of_quiet_hours(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    _, message_id = _night_message(client, app, clock, key_headers)
    held = message(app, message_id)
    assert (held.status, held.not_before) == ("queued", NEXT_MORNING)


def test_held_message_goes_out_when_quiet_hours_end(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    _, message_id = _night_message(client, app, clock, key_headers)
    clock.set(NEXT_MORNING)
    sweep(app, clock)
    assert message(app, message_id).status == "outbox"


def test_quiet_hours_come_from_the_active_retry_policy(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    policy = {**RETRY_POLICY_BODY, "quiet_hours": {"start": "14:00", "end": "18:00"}}
    response = client.post("/v1/retry-policies", json=policy, headers=owner.headers)
    assert response.status_code == 201, response.text
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    app.state.runner.drain()  # START is 15:00 in Kolkata
    assert message(app, message_id).not_before == datetime(2026, 11, 2, 12, 30, tzinfo=UTC)


def test_message_is_cancelled_when_the_case_closed_before_delivery(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id, message_id = _night_message(client, app, clock, key_headers)
    cancel = client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    assert cancel.status_code == 200, cancel.text
    clock.set(NEXT_MORNING)
    sweep(app, clock)
    row = message(app, message_id)
    assert (row.status, row.error) == ("cancelled", "the recovery case is cancelled")


def test_unsubscribe_page_asks_before_opting_out(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    page = client.get(_path(message(app, message_id).unsubscribe_url))
    assert page.status_code == 200
    assert '<form method="post"' in page.text
    assert "Chai Point" in page.text
    again = queue_for(app, clock, open_case(client, key_headers, ref="order_2"))
    assert again[0], "a GET alone must not opt anyone out"


def test_opt_out_is_honoured_for_messages_already_queued(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    _, message_id = _night_message(client, app, clock, key_headers)
    url = _path(message(app, message_id).unsubscribe_url)
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    clock.set(NEXT_MORNING)
    sweep(app, clock)
    row = message(app, message_id)
    assert (row.status, row.error) == ("cancelled", "the recipient opted out of email messages")


def test_opted_out_customer_gets_no_new_message_on_that_channel(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    client.post(_path(message(app, message_id).unsubscribe_url))
    case_id = open_case(client, key_headers, ref="order_2")
    assert queue_for(app, clock, case_id) == (False, "the customer opted out of email messages")
    assert queue_for(app, clock, case_id, "sms")[0]


def test_forged_unsubscribe_token_is_refused(client: TestClient) -> None:
    response = client.post("/unsubscribe/b3JnX3g6ZW1haWw6eHh4.AAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert "not valid" in response.text


def test_frequency_cap_stops_the_fourth_message_in_a_day(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers)
    for channel in ("email", "sms", "whatsapp"):
        assert queue_for(app, clock, case_id, channel)[0]
    refused = queue_for(app, clock, case_id, "email")
    assert refused == (False, "frequency cap: 3 messages in 24 hours already")
    clock.advance(timedelta(hours=24, minutes=1))
    assert queue_for(app, clock, case_id, "email")[0]


def test_invalid_phone_number_is_not_queued(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers, customer={"phone": "+91 12345"})
    queued, detail = queue_for(app, clock, case_id, "sms")
    assert not queued
    assert detail.startswith("invalid phone number")


def test_national_number_is_read_in_the_payments_country(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers, customer={"phone": "098765 43210", "country": "IN"})
    message_id = queued_id(queue_for(app, clock, case_id, "sms"))
    assert message(app, message_id).recipient == "+919876543210"


def test_missing_email_is_a_clear_reason(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers, customer={"email": None})
    assert queue_for(app, clock, case_id) == (False, "no email contact for the customer")


def test_delivery_job_run_twice_sends_once(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    first = deliver(app, clock, message_id)
    clock.advance(timedelta(minutes=5))
    second = deliver(app, clock, message_id)
    assert (second.status, second.tries, second.sent_at) == ("outbox", 1, first.sent_at)
