"""The console's recoveries list and case page: filters, errors next to fields, pages, 404s,
and the admin's confirmed actions (roles and CSRF enforced by the server)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import Account, create_api_key, invite_and_join, register
from tests.recovery.conftest import sandbox_failure


def _fail(client: TestClient, headers: dict[str, str], ref: str, **overrides: Any) -> str:
    body = sandbox_failure(ref, "pm_sandbox_insufficient_funds", **overrides)
    response = client.post("/v1/events/payment_failed", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["recovery"]["id"])


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client, org_name="Kaveri Books")
    client.patch("/v1/auth/org", json={"timezone": "Asia/Kolkata"}, headers=account.headers)
    return account


@pytest.fixture
def key(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


@pytest.fixture
def case_id(client: TestClient, owner: Account, key: dict[str, str]) -> str:
    return _fail(client, key, "ord_1001", amount=12345600)


def _rows(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/console/recoveries/[^"]+">([^<]+)</a>', html)


def test_list_shows_cases_with_indian_grouping(
    client: TestClient, owner: Account, case_id: str
) -> None:
    sign_in(client, owner.email)
    page = client.get("/console/recoveries")
    assert page.status_code == 200
    assert _rows(page.text) == ["ord_1001"]
    assert "₹1,23,456.00" in page.text


def test_filters_and_search_narrow_the_list(
    client: TestClient, owner: Account, key: dict[str, str]
) -> None:
    _fail(client, key, "ord_card")
    _fail(client, key, "ord_upi", payment_method_type="upi", card_network=None)
    sign_in(client, owner.email)
    assert _rows(client.get("/console/recoveries?rail=upi").text) == ["ord_upi"]
    assert _rows(client.get("/console/recoveries?q=ord_ca").text) == ["ord_card"]
    assert _rows(client.get("/console/recoveries?q=asha@example.in").text) == [
        "ord_upi",
        "ord_card",
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("from=05-12-2026", "from"),
        ("amount_min=lots", "amount_min"),
        ("currency=INR&amount_min=999999&amount_max=500000", "amount_min"),
        ("currency=XYZ", "currency"),
    ],
)
def test_bad_filter_value_is_shown_next_to_its_field(
    client: TestClient, owner: Account, case_id: str, query: str, field: str
) -> None:
    sign_in(client, owner.email)
    page = client.get(f"/console/recoveries?{query}")
    assert page.status_code == 200
    assert f'id="{field}-error"' in page.text
    assert f'aria-describedby="{field}-error"' in page.text
    assert _rows(page.text) == ["ord_1001"]  # the bad filter is left out, not an empty list


def test_pages_follow_with_a_next_link(
    client: TestClient, owner: Account, key: dict[str, str]
) -> None:
    for n in range(27):
        _fail(client, key, f"ord_{n:02d}")
    sign_in(client, owner.email)
    first = client.get("/console/recoveries?gateway=sandbox")
    assert len(_rows(first.text)) == 25
    found = re.search(r'href="/console/recoveries(\?[^"]+)" rel="next"', first.text)
    assert found
    second = client.get("/console/recoveries" + found.group(1).replace("&amp;", "&"))
    assert _rows(second.text) == ["ord_01", "ord_00"]
    assert "27 recoveries match." in second.text


def test_case_page_explains_the_failure(client: TestClient, owner: Account, case_id: str) -> None:
    sign_in(client, owner.email)
    page = client.get(f"/console/recoveries/{case_id}")
    assert page.status_code == 200
    assert "Recovery of ord_1001" in page.text
    assert "did not have enough money" in page.text
    assert f'href="/console/recoveries/{case_id}/confirm/retry"' in page.text


def test_case_page_in_hindi(client: TestClient, owner: Account, case_id: str) -> None:
    sign_in(client, owner.email)
    page = client.get(f"/console/recoveries/{case_id}?lang=hi")
    assert page.headers["content-language"] == "hi"
    assert '<html lang="hi">' in page.text


def test_unknown_and_other_orgs_case_are_404_pages(
    client: TestClient, owner: Account, case_id: str
) -> None:
    other = register(client, org_name="Other")
    sign_in(client, other.email)
    for path in (f"/console/recoveries/{case_id}", "/console/recoveries/rec_nope"):
        page = client.get(path)
        assert page.status_code == 404
        assert "ord_1001" not in page.text
    assert client.get(f"/console/recoveries/{case_id}/confirm/cancel").status_code == 404
    csrf = csrf_of(client.get("/console/").text)
    cancelled = client.post(f"/console/recoveries/{case_id}/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 404


def test_admin_cancels_after_confirming(
    client: TestClient, owner: Account, key: dict[str, str], case_id: str
) -> None:
    sign_in(client, owner.email)
    confirm = client.get(f"/console/recoveries/{case_id}/confirm/cancel")
    assert "Cancel this recovery?" in confirm.text
    done = client.post(
        f"/console/recoveries/{case_id}/cancel",
        data={"csrf": csrf_of(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/recoveries/{case_id}?done=cancel"
    assert client.get(f"/v1/recoveries/{case_id}", headers=key).json()["status"] == "cancelled"


def test_cancelling_a_closed_case_shows_why_on_the_confirmation_page(
    client: TestClient, owner: Account, key: dict[str, str], case_id: str
) -> None:
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=key)
    csrf = sign_in(client, owner.email)
    again = client.post(f"/console/recoveries/{case_id}/cancel", data={"csrf": csrf})
    assert again.status_code == 409
    assert "already cancelled" in again.text


def test_admin_sends_a_new_link_by_email(
    client: TestClient, owner: Account, key: dict[str, str], case_id: str
) -> None:
    csrf = sign_in(client, owner.email)
    done = client.post(
        f"/console/recoveries/{case_id}/link",
        data={"csrf": csrf, "channel": "email"},
        follow_redirects=False,
    )
    assert done.headers["location"].endswith("?done=link")
    timeline = client.get(f"/v1/recoveries/{case_id}", headers=key).json()["timeline"]
    assert [entry["kind"] for entry in timeline][-2:] == ["link_created", "link_sent"]


def test_retry_now_goes_through_the_manual_service(
    client: TestClient, owner: Account, key: dict[str, str], case_id: str
) -> None:
    csrf = sign_in(client, owner.email)
    done = client.post(
        f"/console/recoveries/{case_id}/retry", data={"csrf": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    timeline = client.get(f"/v1/recoveries/{case_id}", headers=key).json()["timeline"]
    assert "retry_now" in [entry["kind"] for entry in timeline]


def test_post_without_csrf_is_403_and_changes_nothing(
    client: TestClient, owner: Account, key: dict[str, str], case_id: str
) -> None:
    sign_in(client, owner.email)
    refused = client.post(f"/console/recoveries/{case_id}/cancel", data={})
    assert refused.status_code == 403
    assert client.get(f"/v1/recoveries/{case_id}", headers=key).json()["status"] != "cancelled"


def test_viewer_sees_no_actions_and_cannot_post_them(
    client: TestClient, owner: Account, key: dict[str, str], case_id: str
) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, viewer.email)
    page = client.get(f"/console/recoveries/{case_id}")
    assert "/confirm/" not in page.text
    assert client.get(f"/console/recoveries/{case_id}/confirm/retry").status_code == 403
    refused = client.post(f"/console/recoveries/{case_id}/cancel", data={"csrf": csrf})
    assert refused.status_code == 403
    assert client.get(f"/v1/recoveries/{case_id}", headers=key).json()["status"] != "cancelled"
