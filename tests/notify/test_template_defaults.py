"""The shipped templates are listed with the org's own, marked as defaults, until replaced."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Account

SMS_TA: dict[str, Any] = {
    "channel": "sms",
    "locale": "ta",
    "name": "Short",
    "body": "{{ merchant }}: {{ amount }} {{ link }}",
}


def _listed(client: TestClient, owner: Account) -> list[dict[str, Any]]:
    response = client.get("/v1/templates", headers=owner.headers)
    assert response.status_code == 200
    return list(response.json()["data"])


def test_a_new_org_sees_the_shipped_defaults_in_three_languages(
    client: TestClient, owner: Account
) -> None:
    keys = {(row["channel"], row["locale"]) for row in _listed(client, owner) if row["default"]}
    assert keys == {(c, lang) for c in ("email", "sms", "whatsapp") for lang in ("en", "hi", "ta")}


def test_an_active_template_replaces_its_default_in_the_list(
    client: TestClient, owner: Account
) -> None:
    assert client.post("/v1/templates", json=SMS_TA, headers=owner.headers).status_code == 201
    rows = _listed(client, owner)
    assert [row["default"] for row in rows if (row["channel"], row["locale"]) == ("sms", "ta")] == [
        False
    ]


def test_a_default_can_be_read_and_previewed_by_its_id(client: TestClient, owner: Account) -> None:
    shown = client.get("/v1/templates/tpl_default_sms_hi", headers=owner.headers).json()
    preview = client.post(
        "/v1/templates/tpl_default_sms_hi/preview", json={}, headers=owner.headers
    )
    assert (shown["default"], shown["locale"], preview.status_code) == (True, "hi", 200)
    assert "₹499.00" in preview.json()["text"]


def test_an_unknown_default_id_is_404(client: TestClient, owner: Account) -> None:
    response = client.get("/v1/templates/tpl_default_fax_en", headers=owner.headers)
    assert response.status_code == 404
