"""The dashboard: its KPI figures are the analytics summary's, its charts are tables too."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, register
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.simulate.history import fill_history

KPI = re.compile(r'data-kpi="([a-z_]+)"[^>]*data-currency="([A-Z]{3})" data-value="([^"]*)"')


@pytest.fixture
def owner(client: TestClient, app: FastAPI, clock: FrozenClock, settings: Settings) -> Account:
    account = register(client)
    with unit_of_work(app.state.session_factory) as session:
        fill_history(session, clock, settings, account.org_id, failures=300)
    return account


def test_kpis_are_the_analytics_summary(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/?period=90d")
    assert page.status_code == 200, page.text
    summary = client.get("/v1/analytics/summary?period=90d", headers=owner.headers).json()
    shown = {(name, currency): value for name, currency, value in KPI.findall(page.text)}
    assert shown
    for currency, totals in summary["by_currency"].items():
        assert int(shown[("failed_amount", currency)]) == totals["failed_amount"]
        assert int(shown[("recovered_amount", currency)]) == totals["recovered_amount"]
        assert int(shown[("in_progress", currency)]) == totals["in_progress_amount"]
        rate = float(shown[("recovery_rate", currency)])
        assert rate == pytest.approx(totals["recovery_rate_count"])
