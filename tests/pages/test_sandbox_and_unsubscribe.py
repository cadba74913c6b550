"""The sandbox PSP's checkout and the unsubscribe page: in the payer's language, and the
checkout's three ways out (pay, a card decline, cancel)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.notify.conftest import open_case, queue_for, queued_id
from tests.pages.conftest import PayerLink, recovery
from tinko.kit.clock import FrozenClock
from tinko.notify.models import OutboundMessage

EN = {"Accept-Language": "en-IN,en;q=0.9"}


def _open_checkout(client: TestClient, link: PayerLink) -> str:
    opened = client.post(f"/v1/recoveries/by_token/{link.token}/checkout", json={})
    assert opened.status_code == 200, opened.text
    return f"/sandbox/checkout/{link.token}"


def test_checkout_offers_pay_decline_and_cancel(client: TestClient, payer_link: PayerLink) -> None:
    page = client.get(_open_checkout(client, payer_link), headers=EN)
    assert page.status_code == 200
    assert f'action="/sandbox/checkout/{payer_link.token}/pay"' in page.text
    assert f'action="/sandbox/checkout/{payer_link.token}/decline"' in page.text
    assert f'href="/pay/{payer_link.token}/cancel"' in page.text


def test_decline_returns_the_payer_to_the_cancel_page_unpaid(
    client: TestClient, payer_link: PayerLink
) -> None:
    checkout = _open_checkout(client, payer_link)
    declined = client.post(f"{checkout}/decline", follow_redirects=False)
    assert declined.status_code == 303
    assert declined.headers["location"].endswith(f"/pay/{payer_link.token}/cancel?declined=1")
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    case = recovery(client, payer_link)
    assert case["status"] != "recovered"
    assert "checkout_declined" in [entry["kind"] for entry in case["timeline"]]


def test_payer_page_says_the_card_was_declined(client: TestClient, payer_link: PayerLink) -> None:
    checkout = _open_checkout(client, payer_link)
    page = client.post(f"{checkout}/decline", headers=EN)
    assert page.status_code == 200
    assert "<h1>Your card was declined</h1>" in page.text
    assert f'href="/pay/{payer_link.token}"' in page.text  # try again


def test_checkout_can_still_be_paid_after_a_decline(
    client: TestClient, payer_link: PayerLink
) -> None:
    checkout = _open_checkout(client, payer_link)
    client.post(f"{checkout}/decline")
    assert client.post(f"{checkout}/pay", follow_redirects=False).status_code == 303
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    assert recovery(client, payer_link)["status"] == "recovered"


def test_checkout_speaks_the_language_chosen_on_the_payer_page(
    client: TestClient, payer_link: PayerLink
) -> None:
    client.get(payer_link.path, params={"lang": "hi"})  # remembered for the whole site
    page = client.get(_open_checkout(client, payer_link), headers=EN)
    assert '<html lang="hi">' in page.text
    assert "कार्ड अस्वीकार करें" in page.text
    assert "₹1,23,456.00" in page.text


def test_checkout_follows_the_browser_language(client: TestClient, payer_link: PayerLink) -> None:
    page = client.get(_open_checkout(client, payer_link), headers={"Accept-Language": "ta"})
    assert '<html lang="ta">' in page.text
    assert "கார்டை நிராகரிக்கவும்" in page.text


def _unsubscribe_path(
    app: FastAPI, clock: FrozenClock, client: TestClient, headers: dict[str, str]
) -> str:
    message_id = queued_id(queue_for(app, clock, open_case(client, headers)))
    with app.state.session_factory() as session:
        url = session.get_one(OutboundMessage, message_id).unsubscribe_url
    assert url is not None
    return url.removeprefix("http://127.0.0.1:8000")


def test_unsubscribe_page_has_a_language_switcher(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    path = _unsubscribe_path(app, clock, client, merchant_headers)
    page = client.get(path, params={"lang": "ta"})
    assert '<html lang="ta">' in page.text
    assert "மின்னஞ்சல்களை நிறுத்தவா?" in page.text
    assert 'hreflang="hi"' in page.text


def test_unsubscribe_page_follows_the_browser(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    path = _unsubscribe_path(app, clock, client, merchant_headers)
    page = client.get(path, headers={"Accept-Language": "hi-IN,hi;q=0.9"})
    assert '<html lang="hi">' in page.text
    done = client.post(path, headers={"Accept-Language": "hi-IN"})
    assert "आपकी सदस्यता छोड़ दी गई है" in done.text
