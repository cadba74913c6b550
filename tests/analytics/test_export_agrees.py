"""Every endpoint's numbers, recomputed from the export's rows, come out the same: the export
holds everything the numbers are made of. The history is the simulator's (every kind of case,
a 20 % holdout so both arms have settled cases) plus a second currency through the API."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.analytics.conftest import fail, get
from tests.conftest import START
from tests.factories import Account
from tinko.analytics.definitions import COHORT_DAYS
from tinko.analytics.report import cohort_start
from tinko.analytics.survival import kaplan_meier
from tinko.analytics.uplift import Arm, uplift
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.simulate.history import fill_history

Row = dict[str, Any]
PERIOD = {"period": "90d"}


@pytest.fixture
def cases(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    settings: Settings,
    owner: Account,
    key_headers: dict[str, str],
) -> list[Row]:
    client.patch("/v1/auth/org", json={"holdout_percent": 20}, headers=owner.headers)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, owner.org_id, failures=400)
    fail(client, key_headers, "usd-1", START - timedelta(days=3), amount=1500, currency="USD")
    fail(client, key_headers, "usd-2", START - timedelta(days=2), amount=2500, currency="USD")
    app.state.runner.drain()  # their planning jobs: nothing changes under the comparisons
    text = client.get("/v1/analytics/export.jsonl", params=PERIOD, headers=owner.headers).text
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) > 300
    assert {r["currency"] for r in rows} == {"INR", "USD"}
    assert {r["holdout"] for r in rows} == {0, 1}
    return rows


def _totals(rows: list[Row]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for currency in sorted({r["currency"] for r in rows}):
        mine = [r for r in rows if r["currency"] == currency]
        t: dict[str, Any] = {
            "failed_count": len(mine),
            "failed_amount": sum(r["amount"] for r in mine),
        }
        for outcome, name in (
            ("recovered", "recovered"),
            ("lost", "lost"),
            ("open", "in_progress"),
        ):
            part = [r for r in mine if r["outcome"] == outcome]
            t[f"{name}_count"], t[f"{name}_amount"] = len(part), sum(r["amount"] for r in part)
        t["provisional_count"] = sum(r["provisional"] for r in mine)
        found[currency] = t
    return found


def _strip(by_currency: dict[str, Any]) -> dict[str, Any]:
    keys = ("failed", "recovered", "lost", "in_progress")
    wanted = [f"{k}_{m}" for k in keys for m in ("count", "amount")] + ["provisional_count"]
    return {c: {k: t[k] for k in wanted} for c, t in by_currency.items()}


def test_summary_and_breakdowns(client: TestClient, owner: Account, cases: list[Row]) -> None:
    summary = get(client, owner.headers, "summary", **PERIOD)
    assert _strip(summary["by_currency"]) == _totals(cases)
    for path, key in (
        ("failure_categories", "category"),
        ("by_rail", "rail"),
        ("by_language", "language"),
    ):
        body = get(client, owner.headers, path, **PERIOD)
        got = {entry[key]: _strip(entry["by_currency"]) for entry in body["data"]}
        values = {r[key] for r in cases}
        assert got == {v: _totals([r for r in cases if r[key] == v]) for v in values}


def test_timeseries(client: TestClient, owner: Account, cases: list[Row]) -> None:
    body = get(client, owner.headers, "timeseries", **PERIOD)
    got = {
        (day["date"], c): t["failed_count"]
        for day in body["data"]
        for c, t in day["by_currency"].items()
        if t["failed_count"]
    }
    assert got == dict(Counter((r["cohort_date"], r["currency"]) for r in cases))


def test_revenue_recovered(client: TestClient, owner: Account, cases: list[Row]) -> None:
    body = get(client, owner.headers, "revenue_recovered", **PERIOD)
    expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in cases:
        if r["outcome"] == "recovered":
            expected[r["currency"]][r["recovered_by"]] += r["amount"]
    got = {
        c: {how: v["amount"] for how, v in entry["by"].items() if v["count"]}
        for c, entry in body["by_currency"].items()
    }
    assert got == {c: dict(v) for c, v in expected.items()}


def test_attempts_by_channel_and_by_attempt(
    client: TestClient, owner: Account, cases: list[Row]
) -> None:
    channels = {
        d["channel"]: d for d in get(client, owner.headers, "attempts_by_channel", **PERIOD)["data"]
    }
    assert channels["retry"]["attempts"] == sum(r["retries"] for r in cases)
    assert channels["retry"]["recovered_count"] == sum(
        r["recovered_by"] == "psp_retry" for r in cases
    )
    for channel in ("email", "sms", "whatsapp"):
        assert channels[channel]["attempts"] == sum(r[f"{channel}_sent"] for r in cases)
        assert channels[channel]["recovered_count"] == sum(
            r["recovered_by"] == "payer_link" and r["link_channel"] == channel for r in cases
        )
    by_attempt = get(client, owner.headers, "by_attempt", **PERIOD)["data"]
    assert by_attempt, "the simulated history retries"
    for entry in by_attempt:
        n = entry["attempt"]
        assert entry["tried"] == sum(r["retries"] >= n for r in cases)
        assert entry["succeeded"] == sum(r["retries"] == n and r["retry_succeeded"] for r in cases)


def test_time_to_recover(client: TestClient, owner: Account, cases: list[Row]) -> None:
    body = get(client, owner.headers, "time_to_recover", **PERIOD)
    steps = kaplan_meier(
        (r["hours_observed"], r["outcome"] == "recovered", r["outcome"] != "recovered")
        for r in cases
    )
    assert [(d["hours"], d["recovered_share"]) for d in body["data"]] == [
        (s.hours, s.recovered_share) for s in steps
    ]


def test_cohorts(client: TestClient, owner: Account, cases: list[Row], clock: FrozenClock) -> None:
    body = get(client, owner.headers, "cohorts", grain="week", **PERIOD)
    today = date(2026, 11, 2)  # START in Asia/Kolkata
    for cohort in body["data"]:
        mine = [
            r
            for r in cases
            if cohort_start(date.fromisoformat(r["cohort_date"]), "week").isoformat()
            == cohort["cohort"]
        ]
        assert cohort["size"] == len(mine)
        youngest = max(date.fromisoformat(r["cohort_date"]) for r in mine)
        for d in COHORT_DAYS:
            cell = cohort["recovered_share_by_day"][str(d)]
            if (today - youngest).days < d:
                assert cell is None
            else:
                within = sum(
                    r["days_to_recover"] is not None and r["days_to_recover"] < d for r in mine
                )
                assert cell == round(within / len(mine), 4)


def test_uplift(client: TestClient, owner: Account, cases: list[Row]) -> None:
    body = get(client, owner.headers, "uplift", **PERIOD)
    settled = [r for r in cases if r["window_closed"]]

    def arms(rows: list[Row]) -> dict[str, object]:
        treated = [r for r in rows if not r["holdout"]]
        held = [r for r in rows if r["holdout"]]
        return uplift(
            Arm(len(treated), sum(r["recovered_in_window"] for r in treated)),
            Arm(len(held), sum(r["recovered_in_window"] for r in held)),
        )

    assert {
        k: body["overall"][k] for k in ("treated", "holdout", "status", "uplift_pp", "ci95_pp")
    } == arms(settled)
    for entry in body["category"]:
        got = {k: entry[k] for k in ("treated", "holdout", "status", "uplift_pp", "ci95_pp")}
        assert got == arms([r for r in settled if r["category"] == entry["category"]])
