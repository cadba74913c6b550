"""The console's templates pages: the channel x language grid, the editor's preview (sample data
and a real case), errors at their line with the input kept, SMS segments, WhatsApp variables,
versions; viewers preview, only admins save; CSRF on every post."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import Account, create_api_key, invite_and_join, register
from tests.recovery.conftest import sandbox_failure

SMS_TA = "tpl_default_sms_ta"


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


def _post(client: TestClient, template: str, action: str, **fields: Any) -> Any:
    csrf = csrf_of(client.get(f"/console/templates/{template}").text)
    body = {"csrf": csrf, "name": "Mine", "body": "Pay {{ amount }}: {{ link }}", **fields}
    return client.post(f"/console/templates/{template}/{action}", data=body, follow_redirects=False)


def test_grid_lists_every_channel_and_language(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/templates")
    assert page.status_code == 200
    assert "/console/templates/tpl_default_whatsapp_ta" in page.text


def test_tamil_sms_default_shows_ucs2_segments(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.get(f"/console/templates/{SMS_TA}")
    assert page.status_code == 200
    assert "UCS-2" in page.text
    assert 'id="sms-segments"' in page.text


def test_english_sms_without_rupee_is_gsm7(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = _post(client, "tpl_default_sms_en", "preview", body="Pay now: {{ link }}")
    assert page.status_code == 200
    assert "GSM-7" in page.text


def test_syntax_error_is_shown_at_its_line_and_input_kept(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    page = _post(client, SMS_TA, "preview", body="வணக்கம்\n\n{{ amount + }}")
    assert page.status_code == 422
    assert 'id="body-error"' in page.text
    assert "line 3:" in page.text
    assert 'class="bad" aria-current="true"' in page.text
    assert "{{ amount + }}" in page.text


def test_preview_with_a_real_case_uses_its_amount(client: TestClient, owner: Account) -> None:
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    body = sandbox_failure("ord_tpl", "pm_sandbox_insufficient_funds", amount=123400)
    assert client.post("/v1/events/payment_failed", json=body, headers=key).status_code == 202
    sign_in(client, owner.email)
    page = _post(client, "tpl_default_sms_en", "preview", case="ord_tpl")
    assert page.status_code == 200, page.text
    assert "1,234" in page.text


def test_unknown_case_is_marked_at_the_case_field(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = _post(client, "tpl_default_sms_en", "preview", case="nope")
    assert page.status_code == 422
    assert 'id="case-error"' in page.text


def test_whatsapp_preview_lists_numbered_variables(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = _post(
        client, "tpl_default_whatsapp_hi", "preview", provider_variables="amount, merchant"
    )
    assert "{{1}}</code> = <code>amount" in page.text
    assert "{{2}}</code> = <code>merchant" in page.text


def test_bad_content_sid_is_marked_at_its_field(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = _post(client, "tpl_default_whatsapp_en", "save", provider_template_id="HXnope")
    assert page.status_code == 422
    assert 'id="provider_template_id-error"' in page.text


def test_admin_save_of_a_default_creates_a_template(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = _post(client, SMS_TA, "save", active="on")
    assert answer.status_code == 303
    [mine] = [
        t
        for t in client.get("/v1/templates", headers=owner.headers).json()["data"]
        if not t["default"]
    ]
    assert (mine["channel"], mine["locale"], mine["name"]) == ("sms", "ta", "Mine")


def test_saving_again_adds_a_version_listed_on_the_page(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    target = _post(client, SMS_TA, "save", active="on").headers["location"]
    template_id = target.split("/")[-1].split("?")[0]
    _post(client, template_id, "save", active="on", body="{{ link }}")
    page = client.get(f"/console/templates/{template_id}?version=1")
    assert "?version=2" in page.text
    assert "Pay {{ amount }}" in page.text


def test_viewer_may_preview(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    assert _post(client, SMS_TA, "preview").status_code == 200


def test_viewer_may_not_save(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    assert _post(client, SMS_TA, "save").status_code == 403
    assert all(
        t["default"] for t in client.get("/v1/templates", headers=owner.headers).json()["data"]
    )


def test_post_without_csrf_is_refused(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = client.post(f"/console/templates/{SMS_TA}/save", data={"name": "x", "body": "y"})
    assert answer.status_code == 403


def test_unknown_template_is_a_404_page(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    assert client.get("/console/templates/tpl_nope").status_code == 404
