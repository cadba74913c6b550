"""Where a link went: the payer page names the channel and the masked address only for a link
we really sent, and links we send carry the customer's language to every page they open."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.pages.conftest import PayerLink, failure
from tests.recovery.conftest import Engine
from tinko.kit.clock import FrozenClock
from tinko.notify.models import OutboundMessage

EN = {"Accept-Language": "en-IN,en;q=0.9"}


def _sent_message(
    client: TestClient, app: FastAPI, clock: FrozenClock, headers: dict[str, str], **customer: Any
) -> OutboundMessage:
    """A hard decline the engine answers by sending the customer a link; the message it sent."""
    who = {"email": "asha.rao@example.in", "phone": "+919876543210", "name": "Asha Rao"}
    body = failure(
        "S1",
        payment_method_ref="pm_sandbox_stolen",
        decline_code="stolen_card",
        customer={**who, **customer},
    )
    assert client.post("/v1/events/payment_failed", json=body, headers=headers).status_code == 202
    Engine(app, clock).run_for(timedelta(hours=3))
    with app.state.session_factory() as session:
        sent = session.scalars(
            select(OutboundMessage).where(OutboundMessage.kind == "recovery_link")
        ).first()
    assert sent is not None, "the engine sent no link"
    return sent


def _path_in(text: str, prefix: str) -> str:
    found = re.search(rf"https?://[^\s/]+({prefix}[^\s)]+)", text)
    assert found, text
    return found.group(1)


def test_link_we_never_sent_does_not_say_where_it_was_sent(
    client: TestClient, payer_link: PayerLink
) -> None:
    page = client.get(payer_link.path, headers=EN).text
    assert "We sent it" not in page
    assert "a***@example.in" not in page


def test_sms_link_names_sms_and_the_masked_phone(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    sent = _sent_message(client, app, clock, merchant_headers)
    assert sent.channel == "sms"
    page = client.get(_path_in(sent.body_text, "/pay/"), headers=EN).text
    assert "We sent it by SMS to *********3210." in page
    assert "@example.in" not in page


def test_link_whose_message_was_cancelled_does_not_claim_it_was_sent(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    sent = _sent_message(client, app, clock, merchant_headers)
    with app.state.session_factory() as session, session.begin():
        session.get_one(OutboundMessage, sent.id).status = "cancelled"
    page = client.get(_path_in(sent.body_text, "/pay/"), headers=EN).text
    assert "We sent it" not in page


def test_tamil_customers_link_opens_in_tamil(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    sent = _sent_message(client, app, clock, merchant_headers, locale="ta-IN")
    path = _path_in(sent.body_text, "/pay/")
    assert path.endswith("?lang=ta")
    page = client.get(path, headers=EN)  # a phone set to English still gets the customer's
    assert page.headers["content-language"] == "ta"
    assert "இதை SMS மூலம் *********3210-க்கு அனுப்பினோம்." in page.text


def test_tamil_customers_opt_out_link_opens_in_tamil(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    sent = _sent_message(client, app, clock, merchant_headers, locale="ta-IN")
    assert sent.unsubscribe_url is not None
    path = urlsplit(sent.unsubscribe_url)
    assert path.query == "lang=ta"
    page = client.get(f"{path.path}?{path.query}", headers=EN)
    assert '<html lang="ta">' in page.text
    assert "SMS செய்திகளை நிறுத்தவா?" in page.text


def test_customer_without_a_locale_gets_a_link_without_one(
    client: TestClient, app: FastAPI, clock: FrozenClock, merchant_headers: dict[str, str]
) -> None:
    sent = _sent_message(client, app, clock, merchant_headers)
    assert "lang=" not in sent.body_text
