"""The holdout: a stable share of customers that Tinko tracks but never retries or messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.analytics.conftest import fail, plan_all
from tests.conftest import START
from tests.factories import Account
from tinko.notify.models import OutboundMessage
from tinko.recovery.holdout import customer_key, in_holdout
from tinko.recovery.models import RecoveryAttempt, RecoveryCase


def test_a_customer_stays_in_or_out_and_the_share_is_about_the_percentage() -> None:
    keys = [customer_key(f"cust_{i}", None, None, "") for i in range(20_000)]
    first = [in_holdout("org_a", k, 5) for k in keys]
    assert first == [in_holdout("org_a", k, 5) for k in keys]
    assert 0.045 < sum(first) / len(first) < 0.055
    # Raising the percentage only adds customers.
    assert all(in_holdout("org_a", k, 10) for k, held in zip(keys, first, strict=True) if held)
    assert not any(in_holdout("org_a", k, 0) for k in keys)


@pytest.mark.parametrize("value", [-1, 51, "5", True])
def test_holdout_percent_outside_0_to_50_is_refused(
    client: TestClient, owner: Account, value: object
) -> None:
    response = client.patch("/v1/auth/org", json={"holdout_percent": value}, headers=owner.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "holdout_percent"


def test_holdout_percent_is_on_the_org(client: TestClient, owner: Account) -> None:
    assert client.get("/v1/auth/org", headers=owner.headers).json()["holdout_percent"] == 0
    client.patch("/v1/auth/org", json={"holdout_percent": 5}, headers=owner.headers)
    assert client.get("/v1/auth/org", headers=owner.headers).json()["holdout_percent"] == 5


def test_a_holdout_case_is_tracked_but_gets_no_retry_and_no_message(
    client: TestClient, owner: Account, key_headers: dict[str, str], app: FastAPI
) -> None:
    client.patch("/v1/auth/org", json={"holdout_percent": 50}, headers=owner.headers)
    refs = [f"h{i}" for i in range(12)]
    held = [
        r for r in refs if in_holdout(owner.org_id, customer_key(f"cust_{r}", None, None, ""), 50)
    ]
    assert 0 < len(held) < len(refs)
    for ref in refs:
        fail(client, key_headers, ref, START - timedelta(minutes=5), payment_method_ref=f"pm_{ref}")
    app.state.clock.advance(timedelta(minutes=2))
    plan_all(app)
    with app.state.session_factory() as session:
        cases = session.scalars(
            select(RecoveryCase).where(RecoveryCase.org_id == owner.org_id)
        ).all()
        holdout = {c.id for c in cases if c.holdout}
        assert len(holdout) == len(held)
        assert {c.status for c in cases if c.holdout} == {"exhausted"}
        assert {c.status for c in cases if not c.holdout} == {"scheduled"}
        planned = session.scalar(select(func.count()).where(RecoveryAttempt.case_id.in_(holdout)))
        messages = session.scalar(select(func.count()).where(OutboundMessage.case_id.in_(holdout)))
    assert (planned, messages) == (0, 0)
