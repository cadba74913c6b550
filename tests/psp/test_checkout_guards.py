"""What a pay link alone must not do: pay on the sandbox for a real PSP's case, open two
checkouts for one case, or lose a payment made after the case closed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account
from tests.psp import stripe_objects as so
from tests.psp.stand_in import Reply, StandIn
from tests.psp.test_checkout import _link, _status, _stripe_session_reply, _with_stripe
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.kit.clock import FrozenClock
from tinko.payments.models import Transaction
from tinko.psp.base import PSPNotConfigured
from tinko.psp.registry import provider_for


def test_the_sandbox_page_cannot_pay_a_stripe_case(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "GD1", "stripe")
    paid = client.post(f"/sandbox/checkout/{token}/pay", follow_redirects=False)
    assert paid.status_code == 404
    assert _status(client, owner, "GD1") != "recovered"


def test_the_sandbox_page_needs_a_checkout_the_payer_opened(
    client: TestClient, owner: Account
) -> None:
    token = _link(client, owner, "GD2", "sandbox")
    assert client.get(f"/sandbox/checkout/{token}").status_code == 404


def test_production_never_sends_a_stripe_payment_to_the_sandbox(
    client: TestClient, owner: Account, settings: Settings, clock: FrozenClock
) -> None:
    _link(client, owner, "GD3", "stripe")
    prod = settings.model_copy(update={"env": "prod"})
    with unit_of_work(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        txn = session.query(Transaction).filter_by(transaction_ref="GD3").one()
        with pytest.raises(PSPNotConfigured, match="stripe"):
            provider_for(session, prod, clock, txn.org_id, txn.gateway)


def test_two_links_for_one_case_share_one_checkout_session(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    _with_stripe(client, owner, stand_in)
    first = _link(client, owner, "GD4", "stripe")
    second = client.post("/v1/recoveries/by_ref/GD4/link", json={}, headers=owner.headers)
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    for token in (first, second.json()["token"]):
        client.post(f"/v1/recoveries/by_token/{token}/checkout", json={"method": "card"})
    assert len(stand_in.requests_to("POST", "/v1/checkout/sessions")) == 1


def test_a_payment_after_the_case_closed_is_recorded_and_shown_paid(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "GD5", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    recovery = client.get("/v1/recoveries/by_ref/GD5", headers=owner.headers).json()
    client.post(f"/v1/recoveries/{recovery['id']}/cancel", headers=owner.headers)
    _stripe_session_reply(stand_in, payment_status="paid", status="complete")
    page = client.get(f"/pay/{token}/success?session_id=cs_test_Tinko01")
    assert page.status_code == 200
    events = client.get("/v1/events/by_ref/GD5", headers=owner.headers).json()["data"]
    assert [e["kind"] for e in events].count("payment_succeeded") == 1
    assert _status(client, owner, "GD5") == "cancelled"
