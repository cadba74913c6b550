"""The org's own message settings (PATCH /v1/auth/org) change what the engine does: quiet
hours and the frequency cap come from the organisation, not from constants."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.notify.conftest import message, open_case, queue_for, queued_id
from tinko.kit.clock import FrozenClock

# 22:00 in Kolkata: quiet by default (21-08), not when the org's quiet hours are 23-07.
NIGHT = datetime(2026, 11, 2, 16, 30, tzinfo=UTC)


def _set(client: TestClient, owner: Account, **prefs: object) -> None:
    response = client.patch("/v1/auth/org", json=prefs, headers=owner.headers)
    assert response.status_code == 200, response.text


def _queued_at_night(
    client: TestClient, app: FastAPI, clock: FrozenClock, headers: dict[str, str]
) -> str:
    case_id = open_case(client, headers)
    clock.set(NIGHT)
    message_id = queued_id(queue_for(app, clock, case_id))
    app.state.runner.drain()
    return message_id


def test_message_waits_for_the_end_of_the_orgs_own_quiet_hours(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    _set(client, owner, quiet_start_hour=20, quiet_end_hour=10)
    held = message(app, _queued_at_night(client, app, clock, key_headers))
    # 10:00 in Kolkata the next morning, not the default 08:00.
    assert held.not_before == datetime(2026, 11, 3, 4, 30, tzinfo=UTC)


def test_message_outside_the_orgs_quiet_hours_is_not_held(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    _set(client, owner, quiet_start_hour=23, quiet_end_hour=7)
    assert message(app, _queued_at_night(client, app, clock, key_headers)).status == "outbox"


def test_the_orgs_frequency_cap_stops_the_next_message(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    _set(client, owner, frequency_cap=1)
    case_id = open_case(client, key_headers)
    assert queue_for(app, clock, case_id, "email")[0]
    refused = queue_for(app, clock, case_id, "sms")
    assert refused == (False, "frequency cap: 1 messages in 24 hours already")
