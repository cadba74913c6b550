"""The analytics endpoints over cases written through the API: definitions, currencies,
time-zone cohorts, a late success, bad input, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.analytics.conftest import fail, get, plan_all, succeed
from tests.conftest import START
from tests.factories import Account, invite_and_join
from tinko.kit.clock import FrozenClock

ENDPOINTS = (
    "summary",
    "recovery_rate",
    "revenue_recovered",
    "failure_categories",
    "attempts_by_channel",
    "timeseries",
    "by_attempt",
    "by_rail",
    "by_language",
    "time_to_recover",
    "cohorts",
    "uplift",
)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_org_with_no_data_gets_zeros_and_empty_series(
    client: TestClient, owner: Account, path: str
) -> None:
    body = get(client, owner.headers, path, period="7d")
    assert body["definition"]["case"] == "one failed payment that opened a recovery"
    assert body.get("by_currency", {}) == {}
    data = body.get("data", [])
    assert all(row.get("attempts", 0) == 0 and row.get("tried", 0) == 0 for row in data)


def test_summary_counts_each_currency_apart(
    client: TestClient, owner: Account, key_headers: dict[str, str], app: FastAPI
) -> None:
    at = START - timedelta(hours=2)
    fail(client, key_headers, "inr-1", at, amount=100_00)
    fail(client, key_headers, "inr-2", at, amount=300_00)
    fail(client, key_headers, "usd-1", at, amount=20_00, currency="USD")
    succeed(app, owner.org_id, "inr-2", START - timedelta(hours=1))
    app.state.runner.drain()
    body = get(client, owner.headers, "summary", period="7d")
    inr, usd = body["by_currency"]["INR"], body["by_currency"]["USD"]
    assert (inr["failed_count"], inr["failed_amount"]) == (2, 400_00)
    assert (inr["recovered_count"], inr["recovered_amount"]) == (1, 300_00)
    assert (inr["recovery_rate_count"], inr["recovery_rate_amount"]) == (0.5, 0.75)
    assert (usd["failed_amount"], usd["in_progress_count"], usd["recovered_amount"]) == (
        20_00,
        1,
        0,
    )
    assert inr["provisional"] is True
    assert body["period"] == "7d"
    assert body["to"] == "2026-11-02"


def test_a_failure_counts_on_its_day_in_the_orgs_time_zone(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    # IST is UTC+5:30: 18:29 UTC is 23:59 on the 1st, 18:31 UTC is 00:01 on the 2nd.
    fail(client, key_headers, "before-midnight", datetime(2026, 11, 1, 18, 29, tzinfo=UTC))
    fail(client, key_headers, "after-midnight", datetime(2026, 11, 1, 18, 31, tzinfo=UTC))
    series = get(client, owner.headers, "timeseries", **{"from": "2026-11-01", "to": "2026-11-02"})
    counts = {d["date"]: d["by_currency"]["INR"]["failed_count"] for d in series["data"]}
    assert counts == {"2026-11-01": 1, "2026-11-02": 1}
    first_day = get(client, owner.headers, "summary", **{"from": "2026-11-01", "to": "2026-11-01"})
    assert first_day["by_currency"]["INR"]["failed_count"] == 1


def test_a_success_a_week_after_the_case_was_lost_turns_it_recovered(
    client: TestClient,
    owner: Account,
    key_headers: dict[str, str],
    app: FastAPI,
    clock: FrozenClock,
) -> None:
    stolen = {"decline_code": "stolen_card", "customer": {"id": "c9"}}  # no contact: lost at once
    fail(client, key_headers, "late", START - timedelta(minutes=5), **stolen)
    clock.advance(timedelta(minutes=2))
    plan_all(app)
    before = get(client, owner.headers, "summary", period="7d")["by_currency"]["INR"]
    assert (before["lost_count"], before["recovered_count"]) == (1, 0)
    clock.advance(timedelta(days=7))
    succeed(app, owner.org_id, "late", clock.now() - timedelta(hours=1), source="razorpay")
    after = get(client, key_headers, "summary", period="30d")["by_currency"]["INR"]
    assert (after["lost_count"], after["recovered_count"]) == (0, 1)
    revenue = get(client, key_headers, "revenue_recovered", period="30d")
    assert revenue["by_currency"]["INR"]["by"]["outside"] == {"count": 1, "amount": 49900}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "14d"}, "period"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-11-01"}, "to"),
        ({"from": "2026-11-01"}, "to"),
        ({"from": "yesterday", "to": "2026-11-01"}, "from"),
        ({"gateway": "paypal"}, "gateway"),
        ({"category": "bad_luck"}, "category"),
        ({"rail": "cheque"}, "rail"),
        ({"currency": "XYZ"}, "currency"),
        ({"country": "india"}, "country"),
        ({"amount_min": 500, "amount_max": 100}, "amount_min"),
        ({"policy_id": "pol_unknown"}, "policy_id"),
        ({"rule_id": "rul_unknown"}, "rule_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, owner: Account, params: dict[str, object], field: str
) -> None:
    response = client.get("/v1/analytics/summary", params=params, headers=owner.headers)
    assert response.status_code == 422, response.text
    assert [e["loc"][-1] for e in response.json()["errors"]] == [field]


def test_filters_narrow_the_cases(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    at = START - timedelta(hours=1)
    fail(client, key_headers, "small", at, amount=100)
    fail(client, key_headers, "upi", at, amount=5000, payment_method_type="upi")
    assert (
        get(client, owner.headers, "summary", rail="upi")["by_currency"]["INR"]["failed_amount"]
        == 5000
    )
    banded = get(client, owner.headers, "summary", amount_min=1000)
    assert banded["by_currency"]["INR"]["failed_count"] == 1
    assert get(client, owner.headers, "summary", currency="USD")["by_currency"] == {}
    assert (
        get(client, owner.headers, "summary", policy_id="default")["by_currency"]["INR"][
            "failed_count"
        ]
        == 2
    )


def test_viewers_may_read_analytics(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    assert client.get("/v1/analytics/summary", headers=viewer.headers).status_code == 200
    assert client.get("/v1/analytics/export.csv", headers=viewer.headers).status_code == 200


def test_csv_cells_that_could_be_formulas_are_neutralised(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    fail(client, key_headers, "=HYPERLINK(1)", START - timedelta(hours=1))
    fail(client, key_headers, "@SUM(A1)", START - timedelta(hours=1))
    text = client.get("/v1/analytics/export.csv", headers=owner.headers).text
    refs = sorted(line.split(",")[1] for line in text.splitlines()[1:])
    assert refs == ["'=HYPERLINK(1)", "'@SUM(A1)"]
