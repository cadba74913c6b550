"""GET /v1/recoveries: newest first, `sort=`, and a status filter that refuses unknown states."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.recovery.conftest import sandbox_failure

URL = "/v1/events/payment_failed"


def _open(client: TestClient, headers: dict[str, str], *refs: str) -> None:
    for ref in refs:
        body = sandbox_failure(ref, "pm_sandbox_insufficient_funds")
        assert client.post(URL, json=body, headers=headers).status_code == 202


def _refs(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    response = client.get("/v1/recoveries", params=params, headers=headers)
    assert response.status_code == 200
    return [row["transaction_ref"] for row in response.json()["data"]]


def test_the_newest_case_comes_first(client: TestClient, key_headers: dict[str, str]) -> None:
    _open(client, key_headers, "first", "second", "third")
    assert _refs(client, key_headers) == ["third", "second", "first"]


def test_sort_by_created_at_lists_oldest_first(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _open(client, key_headers, "first", "second")
    assert _refs(client, key_headers, sort="created_at") == ["first", "second"]


def test_pages_follow_on_newest_first(client: TestClient, key_headers: dict[str, str]) -> None:
    _open(client, key_headers, "a", "b", "c")
    first = client.get("/v1/recoveries", params={"limit": 2}, headers=key_headers).json()
    rest = _refs(client, key_headers, limit="2", cursor=first["next_cursor"])
    assert [row["transaction_ref"] for row in first["data"]] + rest == ["c", "b", "a"]


def test_an_unknown_status_is_422_naming_it(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    response = client.get("/v1/recoveries", params={"status": "bogus"}, headers=key_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "status"]


def test_an_unknown_sort_is_422(client: TestClient, key_headers: dict[str, str]) -> None:
    response = client.get("/v1/recoveries", params={"sort": "amount"}, headers=key_headers)
    assert response.status_code == 422
