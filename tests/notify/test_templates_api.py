"""`/v1/templates`: checked, versioned saves; previews; templates used for real messages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Account, invite_and_join
from tests.notify.conftest import message, open_case, queue_for, queued_id
from tinko.kit.clock import FrozenClock

EMAIL: dict[str, Any] = {
    "channel": "email",
    "locale": "en",
    "name": "Friendly",
    "subject": "{{ merchant }}: one more step",
    "body": "Hi {{ customer_name }},\nplease pay {{ amount }} here: {{ link }}\n",
}


def _create(client: TestClient, owner: Account, **changes: Any) -> Any:
    return client.post("/v1/templates", json={**EMAIL, **changes}, headers=owner.headers)


def test_create_returns_the_first_version(client: TestClient, owner: Account) -> None:
    response = _create(client, owner)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["version"], body["active"], body["kind"]) == (1, True, "recovery_link")


def test_put_saves_a_new_version_and_keeps_the_old(client: TestClient, owner: Account) -> None:
    template_id = _create(client, owner).json()["id"]
    changed = {**EMAIL, "body": "Pay {{ amount }}: {{ link }}"}
    response = client.put(f"/v1/templates/{template_id}", json=changed, headers=owner.headers)
    assert response.json()["version"] == 2
    versions = client.get(f"/v1/templates/{template_id}/versions", headers=owner.headers)
    assert [v["version"] for v in versions.json()["data"]] == [2, 1]
    assert versions.json()["data"][1]["body"] == EMAIL["body"]


def test_syntax_error_is_422_naming_the_line(client: TestClient, owner: Account) -> None:
    response = _create(client, owner, body="Hello\n\n{{ amount + }}\nbye")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "body"]
    assert error["msg"].startswith("line 3: ")


def test_unknown_variable_is_422_naming_it_and_its_line(client: TestClient, owner: Account) -> None:
    response = _create(client, owner, body="Hi\n\n{{ customer_email }}")
    assert response.status_code == 422
    message = response.json()["errors"][0]["msg"]
    assert message.startswith("line 3: unknown variable 'customer_email'")


def test_email_template_needs_a_subject(client: TestClient, owner: Account) -> None:
    response = _create(client, owner, subject=None)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "subject"]


def test_long_sms_template_is_refused(client: TestClient, owner: Account) -> None:
    body = {"channel": "sms", "locale": "en", "name": "Long", "body": "x" * 1200}
    response = client.post("/v1/templates", json=body, headers=owner.headers)
    assert response.status_code == 422
    assert "keep sms messages under 1000" in response.json()["detail"]


@pytest.mark.parametrize(
    "probe",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ customer_name.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ self._TemplateReference__context }}",
        "{{ lipsum.__globals__ }}",
        "{% set x = customer_name %}{{ x }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{{ range(10**9)|list }}",
        "{{ customer_name|attr('__class__') }}",
        "{{ '%s'|format(link) }}",
        "{{ link|replace('', link) }}",
        "{% for a in alternate_methods %}{% for b in alternate_methods %}{% endfor %}{% endfor %}",
    ],
)
def test_template_injection_is_rejected(client: TestClient, owner: Account, probe: str) -> None:
    response = _create(client, owner, body=probe)
    assert response.status_code == 422, response.text


def test_preview_renders_sample_data_and_overrides(client: TestClient, owner: Account) -> None:
    template_id = _create(client, owner).json()["id"]
    response = client.post(
        f"/v1/templates/{template_id}/preview",
        json={"sample": {"customer_name": "Ravi"}},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"] == "Chai Point: one more step"
    assert body["text"].startswith("Hi Ravi,\nplease pay ₹499.00 here: https://")
    assert "Hi Ravi,<br>" in body["html"]


def test_preview_values_are_inert(client: TestClient, owner: Account) -> None:
    template_id = _create(client, owner).json()["id"]
    hostile = "{{ 7*7 }}<script>alert(1)</script>"
    response = client.post(
        f"/v1/templates/{template_id}/preview",
        json={"sample": {"customer_name": hostile}},
        headers=owner.headers,
    )
    body = response.json()
    assert "Hi {{ 7*7 }}<script>" in body["text"]
    assert "<script>" not in body["html"]
    assert "&lt;script&gt;" in body["html"]


def test_preview_refuses_unknown_sample_variables(client: TestClient, owner: Account) -> None:
    template_id = _create(client, owner).json()["id"]
    response = client.post(
        f"/v1/templates/{template_id}/preview",
        json={"sample": {"password": "x"}},
        headers=owner.headers,
    )
    assert response.status_code == 422


def test_viewer_reads_but_cannot_write(client: TestClient, owner: Account) -> None:
    template_id = _create(client, owner).json()["id"]
    viewer = invite_and_join(client, owner, "viewer")
    assert client.get(f"/v1/templates/{template_id}", headers=viewer.headers).status_code == 200
    assert _create(client, viewer).status_code == 403


def test_saving_one_active_deactivates_the_other(client: TestClient, owner: Account) -> None:
    first = _create(client, owner).json()["id"]
    _create(client, owner, name="Second")
    assert client.get(f"/v1/templates/{first}", headers=owner.headers).json()["active"] is False


def test_active_template_is_used_for_recovery_messages(
    client: TestClient,
    app: FastAPI,
    clock: FrozenClock,
    owner: Account,
    key_headers: dict[str, str],
) -> None:
    template = _create(client, owner).json()
    message_id = queued_id(queue_for(app, clock, open_case(client, key_headers)))
    row = message(app, message_id)
    assert row.subject == "Chai Point: one more step"
    assert (row.template_id, row.template_version) == (template["id"], 1)


def test_customer_locale_picks_the_shipped_hindi_copy(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers, customer={"locale": "hi-IN"})
    row = message(app, queued_id(queue_for(app, clock, case_id)))
    assert row.locale == "hi"
    assert row.subject == "Chai Point को आपका भुगतान पूरा नहीं हो सका"
    assert "खाते में पर्याप्त राशि नहीं थी" in row.body_text


def test_tamil_sms_uses_tamil_copy(
    client: TestClient, app: FastAPI, clock: FrozenClock, key_headers: dict[str, str]
) -> None:
    case_id = open_case(client, key_headers, customer={"locale": "ta"})
    row = message(app, queued_id(queue_for(app, clock, case_id, "sms")))
    assert "பரிவர்த்தனை நிறைவடையவில்லை" in row.body_text
    assert "இந்தச் செய்திகளை நிறுத்த: http://127.0.0.1:8000/unsubscribe/" in row.body_text


def test_deleted_template_is_gone(client: TestClient, owner: Account) -> None:
    template_id = _create(client, owner).json()["id"]
    deleted = client.delete(f"/v1/templates/{template_id}", headers=owner.headers)
    assert deleted.status_code == 204
    assert client.get(f"/v1/templates/{template_id}", headers=owner.headers).status_code == 404
