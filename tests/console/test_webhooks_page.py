"""`/console/webhooks`: the merchant's endpoints through the console — the secret shown once,
rotation, delete, enable, the delivery log and replay; admins only, CSRF on every post, the
address refusal beside the URL field, and every change in the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, invite_and_join, register
from tests.merchant_webhooks.conftest import drain, fail_a_payment, subscribe
from tests.merchant_webhooks.receiver import Receiver, running
from tinko.config import Settings
from tinko.kit.clock import FrozenClock
from tinko.main import create_app

SECRET = re.compile(r'<code id="secret-value" data-endpoint="(mwh_[^"]+)">(whsec_[^<]+)</code>')


@pytest.fixture
def clock() -> FrozenClock:
    # fail_a_payment reports a failure three minutes before the wall clock.
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running() as found:
        yield found


def _create(client: TestClient, csrf: str, url: str, *events: str) -> Any:
    data = {"csrf": csrf, "url": url, "events": list(events)}
    return client.post("/console/webhooks", data=data, follow_redirects=False)


def test_create_shows_the_secret_once(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = _create(client, csrf, "http://127.0.0.1:9/hooks", "recovery.recovered")
    assert answer.status_code == 200, answer.text
    found = SECRET.search(answer.text)
    assert found is not None
    listed = client.get("/console/webhooks")
    assert "http://127.0.0.1:9/hooks" in listed.text
    assert found.group(2) not in listed.text


def test_secret_signs_what_the_api_lists(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    _create(client, csrf, "http://127.0.0.1:9/hooks", "recovery.recovered")
    api = client.get("/v1/merchant-webhooks", headers=owner.headers).json()["data"]
    assert [e["events"] for e in api] == [["recovery.recovered"]]


def test_bad_url_is_422_beside_the_field(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = _create(client, csrf, "ftp://example.com/x", "recovery.recovered")
    assert answer.status_code == 422
    assert 'id="url-error"' in answer.text
    assert 'aria-describedby="url-error"' in answer.text
    assert 'value="ftp://example.com/x"' in answer.text


def test_no_event_is_422_beside_the_events(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    answer = _create(client, csrf, "http://127.0.0.1:9/hooks")
    assert answer.status_code == 422
    assert 'id="events-error"' in answer.text


def test_private_address_is_refused_in_prod(settings: Settings, clock: FrozenClock) -> None:
    prod = settings.model_copy(update={"env": "prod"})
    with TestClient(create_app(prod, clock=clock), raise_server_exceptions=False) as client:
        owner = register(client)
        csrf = sign_in(client, owner.email)
        answer = _create(client, csrf, "https://10.1.2.3/hooks", "recovery.recovered")
    assert answer.status_code == 422
    assert "non-public address" in answer.text


def test_post_without_csrf_changes_nothing(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = _create(client, "wrong", "http://127.0.0.1:9/hooks", "recovery.recovered")
    assert answer.status_code == 403
    assert client.get("/v1/merchant-webhooks", headers=owner.headers).json()["data"] == []


def test_viewer_may_not_open_the_page(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    assert client.get("/console/webhooks").status_code == 403
    assert "/console/webhooks" not in client.get("/console/").text


def test_viewer_may_not_create(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, viewer.email)
    answer = _create(client, csrf, "http://127.0.0.1:9/hooks", "recovery.recovered")
    assert answer.status_code == 403
    assert client.get("/v1/merchant-webhooks", headers=owner.headers).json()["data"] == []


def test_rotate_shows_a_new_secret(client: TestClient, owner: Account) -> None:
    endpoint = subscribe(client, owner, "http://127.0.0.1:9/hooks")
    csrf = sign_in(client, owner.email)
    answer = client.post(f"/console/webhooks/{endpoint['id']}/rotate", data={"csrf": csrf})
    found = SECRET.search(answer.text)
    assert found is not None
    assert found.group(2) != endpoint["secret"]
    assert "Old secret signs until" in client.get("/console/webhooks").text


def test_delete_stops_the_endpoint(client: TestClient, owner: Account) -> None:
    endpoint = subscribe(client, owner, "http://127.0.0.1:9/hooks")
    csrf = sign_in(client, owner.email)
    answer = client.post(
        f"/console/webhooks/{endpoint['id']}/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert client.get("/v1/merchant-webhooks", headers=owner.headers).json()["data"] == []


def test_another_orgs_endpoint_is_404(client: TestClient, owner: Account) -> None:
    other = register(client, org_name="Other")
    endpoint = subscribe(client, other, "http://127.0.0.1:9/hooks")
    csrf = sign_in(client, owner.email)
    answer = client.post(f"/console/webhooks/{endpoint['id']}/delete", data={"csrf": csrf})
    assert answer.status_code == 404
    assert client.get(f"/console/webhooks/{endpoint['id']}").status_code == 404


def test_enable_turns_a_disabled_endpoint_on(
    client: TestClient, app: FastAPI, owner: Account
) -> None:
    endpoint = subscribe(client, owner, "http://127.0.0.1:9/hooks")
    from tinko.db import unit_of_work
    from tinko.merchant_webhooks.models import MerchantWebhookEndpoint

    with unit_of_work(app.state.session_factory) as session:
        session.get_one(MerchantWebhookEndpoint, endpoint["id"]).status = "disabled"
    csrf = sign_in(client, owner.email)
    assert "Disabled" in client.get("/console/webhooks").text
    client.post(f"/console/webhooks/{endpoint['id']}/enable", data={"csrf": csrf})
    listed = client.get("/v1/merchant-webhooks", headers=owner.headers).json()["data"]
    assert listed[0]["status"] == "active"


def test_delivery_log_shows_a_failed_try_and_replays_it(
    client: TestClient, app: FastAPI, owner: Account, receiver: Receiver
) -> None:
    endpoint = subscribe(client, owner, receiver.url, "recovery.opened")
    receiver.answer(500)
    fail_a_payment(client, owner)
    drain(app)
    csrf = sign_in(client, owner.email)
    page = client.get(f"/console/webhooks/{endpoint['id']}").text
    assert "HTTP 500" in page
    assert "answer 500" in page  # the response excerpt
    delivery_id = re.search(r'id="d-(msg_[^"]+)"', page)
    assert delivery_id is not None
    client.post(f"/console/webhooks/deliveries/{delivery_id.group(1)}/replay", data={"csrf": csrf})
    drain(app)
    assert len(receiver.received) == 2
    assert "HTTP 200" in client.get(f"/console/webhooks/{endpoint['id']}").text


def test_console_changes_are_audited_as_the_person(client: TestClient, owner: Account) -> None:
    csrf = sign_in(client, owner.email)
    _create(client, csrf, "http://127.0.0.1:9/hooks", "recovery.recovered")
    events = client.get(
        "/v1/audit?action=merchant_webhook_endpoint.created", headers=owner.headers
    ).json()["data"]
    assert events[0]["actor"] == {"kind": "user", "id": owner.user_id}
    assert events[0]["changes"]["after"]["secret_ciphertext"] == "[masked]"
