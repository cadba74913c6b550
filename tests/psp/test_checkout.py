"""The checkout seam: the payer goes to the org's own PSP, and comes back trusted only after
the PSP confirms the case's amount was paid."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import START
from tests.factories import Account, create_api_key
from tests.psp import razorpay_objects as ro
from tests.psp import stripe_objects as so
from tests.psp.conftest import RAZORPAY_KEY_ID, RAZORPAY_SECRET, STRIPE_KEY
from tests.psp.stand_in import Reply, Seen, StandIn
from tinko.db import unit_of_work
from tinko.flows.checkout import ReturnOutcome, confirm_return
from tinko.kit.clock import FrozenClock
from tinko.payments.models import Transaction
from tinko.recovery import links


def _failure(ref: str, gateway: str) -> dict[str, Any]:
    return {
        "transaction_ref": ref,
        "amount": 49900,
        "currency": "INR",
        "gateway": gateway,
        "decline_code": "expired_card",
        "payment_method_type": "card",
        "customer": {"id": "cus_Tinko01", "email": "asha@example.in", "phone": "+919000090000"},
        "occurred_at": (START - timedelta(minutes=1)).isoformat(),
    }


def _link(client: TestClient, owner: Account, ref: str, gateway: str) -> str:
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    failed = client.post("/v1/events/payment_failed", json=_failure(ref, gateway), headers=key)
    assert failed.status_code == 202, failed.text
    link = client.post(f"/v1/recoveries/by_ref/{ref}/link", json={}, headers=key)
    return str(link.json()["token"])


def _with_stripe(client: TestClient, owner: Account, stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/balance", Reply(200, so.balance()))
    saved = client.put(
        "/v1/psp-credentials/stripe", json={"secret_key": STRIPE_KEY}, headers=owner.headers
    )
    assert saved.status_code == 200, saved.text


def _created_session(stand_in: StandIn) -> dict[str, str]:
    (seen,) = stand_in.requests_to("POST", "/v1/checkout/sessions")
    return seen.form


def _stripe_session_reply(stand_in: StandIn, **overrides: Any) -> None:
    def reply(_: Seen) -> Reply:
        form = _created_session(stand_in)
        metadata = {"tinko_checkout_ref": form["metadata[tinko_checkout_ref]"]}
        return Reply(200, so.checkout_session(**{"metadata": metadata, **overrides}))

    stand_in.on("GET", "/v1/checkout/sessions/cs_test_Tinko01", reply)


def _confirm(
    client: TestClient, clock: FrozenClock, token: str, params: dict[str, str]
) -> ReturnOutcome:
    app = client.app
    with unit_of_work(app.state.session_factory) as session:  # type: ignore[attr-defined]
        link, case = links.resolve(session, clock, app.state.settings.secret_key, token)  # type: ignore[attr-defined]
        transaction = session.get_one(Transaction, case.transaction_id)
        return confirm_return(
            session,
            app.state.settings,
            clock,
            case=case,
            transaction=transaction,
            link=link,
            params=params,  # type: ignore[attr-defined]
        )


def _status(client: TestClient, owner: Account, ref: str) -> str:
    return str(client.get(f"/v1/recoveries/by_ref/{ref}", headers=owner.headers).json()["status"])


def test_a_stripe_payer_goes_to_a_checkout_session_that_returns_to_the_payer_page(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST1", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    response = client.post(f"/v1/recoveries/by_token/{token}/checkout", json={"method": "card"})
    assert response.json() == {"redirect_url": "https://checkout.stripe.com/c/pay/cs_test_Tinko01"}
    form = _created_session(stand_in)
    assert (
        form["success_url"]
        == f"http://127.0.0.1:8000/pay/{token}/success?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert form["cancel_url"] == f"http://127.0.0.1:8000/pay/{token}/cancel"
    assert form["metadata[transaction_ref]"] == "ST1"
    assert (
        form["line_items[0][price_data][unit_amount]"],
        form["line_items[0][price_data][currency]"],
    ) == ("49900", "inr")


def test_a_second_click_reuses_the_open_checkout(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST2", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    first = client.post(f"/v1/recoveries/by_token/{token}/checkout", json={"method": "card"}).json()
    second = client.post(
        f"/v1/recoveries/by_token/{token}/checkout", json={"method": "card"}
    ).json()
    assert first == second
    assert len(stand_in.requests_to("POST", "/v1/checkout/sessions")) == 1


def test_a_paid_session_recovers_the_case_once(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST3", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    _stripe_session_reply(stand_in, payment_status="paid", status="complete")
    assert _confirm(client, clock, token, {"session_id": "cs_test_Tinko01"}) == "paid"
    assert _confirm(client, clock, token, {"session_id": "cs_test_Tinko01"}) == "paid"
    assert _status(client, owner, "ST3") == "recovered"
    events = client.get("/v1/events/by_ref/ST3", headers=owner.headers).json()["data"]
    assert [e["kind"] for e in events].count("payment_succeeded") == 1


def test_a_session_paid_for_another_amount_is_not_believed(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST4", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    _stripe_session_reply(stand_in, payment_status="paid", status="complete", amount_total=100)
    assert _confirm(client, clock, token, {"session_id": "cs_test_Tinko01"}) == "invalid"
    assert _status(client, owner, "ST4") != "recovered"


def test_a_return_naming_an_unknown_session_is_invalid(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST5", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    assert _confirm(client, clock, token, {"session_id": "cs_test_forged"}) == "invalid"
    assert stand_in.requests_to("GET", "/v1/checkout/sessions/cs_test_forged") == []


def test_an_unpaid_session_is_pending(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST6", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(200, so.checkout_session()))
    client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    _stripe_session_reply(stand_in)
    assert _confirm(client, clock, token, {"session_id": "cs_test_Tinko01"}) == "pending"


def test_stripe_down_at_checkout_is_a_502_problem(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    _with_stripe(client, owner, stand_in)
    token = _link(client, owner, "ST7", "stripe")
    stand_in.on("POST", "/v1/checkout/sessions", Reply(500, so.api_error()))
    response = client.post(f"/v1/recoveries/by_token/{token}/checkout", json={})
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"


def test_a_gateway_without_credentials_uses_the_sandbox_page(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    token = _link(client, owner, "ST8", "stripe")
    response = client.post(f"/v1/recoveries/by_token/{token}/checkout", json={"method": "upi"})
    assert (
        response.json()["redirect_url"]
        == f"http://127.0.0.1:8000/sandbox/checkout/{token}?method=upi"
    )
    assert stand_in.seen == []


def _with_razorpay(client: TestClient, owner: Account, stand_in: StandIn) -> None:
    stand_in.on("GET", "/v1/orders", Reply(200, ro.collection([])))
    body = {"key_id": RAZORPAY_KEY_ID, "key_secret": RAZORPAY_SECRET}
    assert (
        client.put("/v1/psp-credentials/razorpay", json=body, headers=owner.headers).status_code
        == 200
    )


def _razorpay_paid(stand_in: StandIn, amount: int = 49900) -> dict[str, str]:
    """Script Razorpay's side of a paid link; the signed callback query the payer brings back."""
    (created,) = stand_in.requests_to("POST", "/v1/payment_links")
    reference = created.json["reference_id"]
    paid = [{"payment_id": "pay_Tinko0001", "status": "captured"}]
    link = ro.payment_link(reference_id=reference, status="paid", payments=paid)
    stand_in.on("GET", "/v1/payment_links/plink_Tinko0001", Reply(200, link))
    stand_in.on(
        "GET", "/v1/payments/pay_Tinko0001", Reply(200, ro.payment(amount=amount, order_id=None))
    )
    message = f"plink_Tinko0001|{reference}|paid|pay_Tinko0001"
    return {
        "razorpay_payment_id": "pay_Tinko0001",
        "razorpay_payment_link_id": "plink_Tinko0001",
        "razorpay_payment_link_reference_id": reference,
        "razorpay_payment_link_status": "paid",
        "razorpay_signature": hmac.new(
            RAZORPAY_SECRET.encode(), message.encode(), hashlib.sha256
        ).hexdigest(),
    }


def _razorpay_link(client: TestClient, owner: Account, stand_in: StandIn, ref: str) -> str:
    _with_razorpay(client, owner, stand_in)
    token = _link(client, owner, ref, "razorpay")

    def created(seen: Seen) -> Reply:
        return Reply(200, ro.payment_link(reference_id=seen.json["reference_id"]))

    stand_in.on("POST", "/v1/payment_links", created)
    response = client.post(f"/v1/recoveries/by_token/{token}/checkout", json={"method": "upi"})
    assert response.json() == {"redirect_url": "https://rzp.io/i/ko0001"}
    return token


def test_a_razorpay_payer_returns_by_get_to_the_payer_page(
    client: TestClient, owner: Account, stand_in: StandIn
) -> None:
    token = _razorpay_link(client, owner, stand_in, "RZ1")
    (created,) = stand_in.requests_to("POST", "/v1/payment_links")
    assert created.json["callback_url"] == f"http://127.0.0.1:8000/pay/{token}/success"
    assert created.json["callback_method"] == "get"
    assert created.json["notify"] == {"sms": False, "email": False}


def test_a_signed_razorpay_return_for_the_amount_recovers_the_case(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    token = _razorpay_link(client, owner, stand_in, "RZ2")
    assert _confirm(client, clock, token, _razorpay_paid(stand_in)) == "paid"
    assert _status(client, owner, "RZ2") == "recovered"


def test_a_tampered_razorpay_signature_is_invalid(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    token = _razorpay_link(client, owner, stand_in, "RZ3")
    params = {**_razorpay_paid(stand_in), "razorpay_signature": "0" * 64}
    assert _confirm(client, clock, token, params) == "invalid"
    assert _status(client, owner, "RZ3") != "recovered"


def test_a_razorpay_payment_of_a_smaller_amount_is_invalid(
    client: TestClient, owner: Account, stand_in: StandIn, clock: FrozenClock
) -> None:
    token = _razorpay_link(client, owner, stand_in, "RZ4")
    assert _confirm(client, clock, token, _razorpay_paid(stand_in, amount=100)) == "invalid"
    assert _status(client, owner, "RZ4") != "recovered"
