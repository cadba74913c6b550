"""The console's retry-policy pages: viewers read, admins edit; errors beside their control with
the input kept; preview by the engine; activation only after a backtest of that exact version;
activation recorded in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import Account, invite_and_join, register


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


def _form(csrf: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "csrf": csrf,
        "policy_id": "new",
        "rows": "1",
        "name": "Weekday mornings",
        "strategy": "backoff",
        "max_attempts": "3",
        "initial_delay_minutes": "120",
        "backoff_multiplier": "2",
        "max_delay_minutes": "1440",
        "window_days": "14",
        "timezone": "Asia/Kolkata",
        "preset": "custom",
        "range-0-days": ["0", "1", "2"],
        "range-0-start": "09:00",
        "range-0-end": "12:00",
        "channel-sms": "1",
        "channel-email": "2",
        "quiet": "on",
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "scenario": "demo",
        "op": "preview",
    }
    return {**base, **changes}


def _csrf(client: TestClient) -> str:
    return csrf_of(client.get("/console/policies/new").text)


def test_viewer_reads_the_list_but_not_the_edit_buttons(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    page = client.get("/console/policies")
    assert page.status_code == 200
    assert "/console/policies/new" not in page.text


def test_viewer_cannot_post_a_policy(client: TestClient, owner: Account) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, viewer.email)
    answer = client.post("/console/policies/edit", data=_form(csrf, op="save"))
    assert answer.status_code == 403
    assert client.get("/v1/retry-policies", headers=owner.headers).json()["data"] == []


def test_post_without_csrf_is_refused(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = client.post("/console/policies/edit", data=_form("forged", op="save"))
    assert answer.status_code == 403


def test_preview_lists_engine_planned_attempts_in_the_custom_window(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client)))
    assert page.status_code == 200, page.text
    # The first retry of do_not_honor falls inside Mon-Wed 09:00-12:00 IST.
    assert "<code>do_not_honor</code>" in page.text
    assert 'name="token"' in page.text


def test_no_history_says_so_and_offers_a_scenario(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client), scenario=""))
    assert "no failed payments yet" in page.text
    assert 'id="backtest"' not in page.text


def test_backtest_on_a_shipped_scenario_compares_both_policies(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client)))
    assert 'id="backtest"' in page.text
    assert "Active today" in page.text


def test_bad_range_shows_error_beside_its_control_and_keeps_input(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    data = _form(_csrf(client), **{"range-0-end": "08:00", "name": "Kept name"})
    page = client.post("/console/policies/edit", data=data)
    assert page.status_code == 422
    assert 'id="range-0-end-error"' in page.text
    assert 'value="Kept name"' in page.text


def test_bad_number_is_marked_at_its_field(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client), window_days="99"))
    assert page.status_code == 422
    assert 'id="window_days-error"' in page.text


def test_add_range_adds_a_row_without_script(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client), op="add_range"))
    assert 'id="range-1-start"' in page.text


def test_remove_range_removes_that_row(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    data = _form(_csrf(client), op="remove_range-0", rows="2")
    data.update({"range-1-days": ["5"], "range-1-start": "10:00", "range-1-end": "11:00"})
    page = client.post("/console/policies/edit", data=data)
    assert 'id="range-1-start"' not in page.text
    assert 'value="10:00"' in page.text


def test_activate_without_backtest_is_refused(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client), op="activate"))
    assert page.status_code == 422
    assert 'id="activate-error"' in page.text
    assert client.get("/v1/retry-policies", headers=owner.headers).json()["data"] == []


def _token(client: TestClient, data: dict[str, Any]) -> str:
    page = client.post("/console/policies/edit", data=data)
    start = page.text.index('name="token" value="') + len('name="token" value="')
    return page.text[start : page.text.index('"', start)]


def test_activate_after_backtest_of_that_version_makes_it_active(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    data = _form(_csrf(client))
    answer = client.post(
        "/console/policies/edit",
        data={**data, "op": "activate", "token": _token(client, data)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    active = client.get("/v1/retry-policies/active", headers=owner.headers).json()
    assert active["name"] == "Weekday mornings"


def test_activate_after_a_change_since_the_backtest_is_refused(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    data = _form(_csrf(client))
    token = _token(client, data)
    changed = {**data, "max_attempts": "5", "op": "activate", "token": token}
    assert client.post("/console/policies/edit", data=changed).status_code == 422


def test_activation_is_recorded_in_the_audit_log(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    data = _form(_csrf(client))
    client.post(
        "/console/policies/edit", data={**data, "op": "activate", "token": _token(client, data)}
    )
    events = client.get("/v1/audit?action=retry_policy.*", headers=owner.headers).json()["data"]
    assert "retry_policy.activated" in [e["action"] for e in events]


def test_save_draft_keeps_it_inactive(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    answer = client.post(
        "/console/policies/edit", data=_form(_csrf(client), op="save"), follow_redirects=False
    )
    assert answer.status_code == 303
    [policy] = client.get("/v1/retry-policies", headers=owner.headers).json()["data"]
    assert policy["active"] is False


def test_edit_page_shows_the_stored_policy(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    client.post("/console/policies/edit", data=_form(_csrf(client), op="save"))
    [policy] = client.get("/v1/retry-policies", headers=owner.headers).json()["data"]
    page = client.get(f"/console/policies/{policy['id']}")
    assert 'value="Weekday mornings"' in page.text
    assert 'value="09:00"' in page.text


def test_unknown_policy_is_a_404_page(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    assert client.get("/console/policies/rpol_nope").status_code == 404


def test_viewer_sees_the_policy_read_only(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    client.post("/console/policies/edit", data=_form(_csrf(client), op="save"))
    [policy] = client.get("/v1/retry-policies", headers=owner.headers).json()["data"]
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    page = client.get(f"/console/policies/{policy['id']}")
    assert 'value="Weekday mornings" maxlength="200" disabled' in page.text
    assert 'value="activate"' not in page.text
