"""`/console/rules`: the list (order, on/off), the builder without JavaScript (add/remove post
the state back), saves through the rules service (422 locations next to their controls; a
rule saved meanwhile is not overwritten), versions with diff and rollback, the tester; roles
and CSRF on every change."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import csrf_of, sign_in
from tests.factories import Account, create_api_key, invite_and_join, register
from tests.recovery.conftest import sandbox_failure

EXPIRED = {"field": "category", "op": "eq", "value": "expired_card"}
LINK = [{"type": "send_link", "channels": ["email"]}]


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def admin_csrf(client: TestClient, owner: Account) -> str:
    return sign_in(client, owner.email)


def api_rule(client: TestClient, owner: Account, **overrides: Any) -> dict[str, Any]:
    body = {"name": "Expired cards", "priority": 10, "conditions": EXPIRED, "actions": LINK}
    response = client.post("/v1/rules", json={**body, **overrides}, headers=owner.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def builder_fields(csrf: str, **extra: str) -> dict[str, str]:
    """A new rule's form as the page posts it: all of [category eq expired_card], one link."""
    fields = {
        "csrf": csrf,
        "rule_id": "",
        "version": "",
        "name": "Expired cards",
        "priority": "10",
        "enabled": "on",
        "r.kind": "all",
        "r.0.kind": "cmp",
        "r.0.field": "category",
        "r.0.op": "eq",
        "r.0.value": "expired_card",
        "a.0.type": "send_link",
        "a.0.channels": "email",
    }
    return {**fields, **extra}


def post_builder(client: TestClient, fields: dict[str, str]) -> Any:
    return client.post("/console/rules/builder", data=fields, follow_redirects=False)


def test_list_shows_rules_in_evaluation_order(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    api_rule(client, owner, name="Second", priority=20)
    api_rule(client, owner, name="First", priority=5)
    page = client.get("/console/rules").text
    assert page.index("First") < page.index("Second")


def test_builder_add_condition_keeps_what_was_typed(client: TestClient, admin_csrf: str) -> None:
    page = post_builder(client, builder_fields(admin_csrf, do="add:r", name="Kept name"))
    assert page.status_code == 200
    assert 'value="Kept name"' in page.text
    assert 'name="r.1.field"' in page.text
    assert re.search(r'<option value="expired_card" selected>', page.text)


def test_builder_add_group_then_remove_it(client: TestClient, admin_csrf: str) -> None:
    grouped = post_builder(client, builder_fields(admin_csrf, do="group:r")).text
    assert 'name="r.1.kind"' in grouped
    assert 'name="r.1.0.field"' in grouped
    fields = builder_fields(admin_csrf, do="remove:r.0")
    fields.update({"r.1.kind": "any", "r.1.0.kind": "cmp", "r.1.0.field": "amount"})
    fields.update({"r.1.0.op": "gt", "r.1.0.value": "5000"})
    removed = post_builder(client, fields).text
    assert 'name="r.1.kind"' not in removed
    assert re.search(r'name="r.0.0.value" value="5000"', removed)


def test_changing_the_field_offers_its_operators_and_input(
    client: TestClient, admin_csrf: str
) -> None:
    fields = builder_fields(admin_csrf, do="refresh", **{"r.0.field": "amount", "r.0.op": "eq"})
    page = post_builder(client, fields).text
    assert 'type="number" step="1" id="r-0-value"' in page
    assert '<option value="between"' in page
    assert '<option value="contains"' not in page


def test_save_creates_the_rule_through_the_service(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    answer = post_builder(client, builder_fields(admin_csrf, do="save"))
    assert answer.status_code == 303
    rule = client.get("/v1/rules", headers=owner.headers).json()["data"][0]
    assert answer.headers["location"] == f"/console/rules/{rule['id']}?done=saved"
    assert (rule["conditions"], rule["actions"]) == ({"all": [EXPIRED]}, LINK)


def test_refused_rule_shows_each_error_beside_its_control(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    fields = builder_fields(admin_csrf, do="save", **{"r.0.field": "amount", "r.0.op": "gt"})
    fields.update({"r.0.value": "12.5", "name": "Typed by hand"})
    del fields["a.0.channels"]
    answer = post_builder(client, fields)
    assert answer.status_code == 422
    page = answer.text
    assert 'id="r-0-value-error"' in page
    assert "<code>conditions.all[0].value</code>" in page
    assert 'aria-describedby="r-0-value-error"' in page
    assert 'id="a-0-channels-error"' in page
    assert 'value="Typed by hand"' in page
    assert 'value="12.5"' in page
    assert client.get("/v1/rules", headers=owner.headers).json()["data"] == []


def test_blank_name_is_marked_with_the_condition_errors(
    client: TestClient, admin_csrf: str
) -> None:
    fields = builder_fields(admin_csrf, do="save", name="", **{"r.0.field": "customer.<name>"})
    page = post_builder(client, fields).text
    assert 'id="rule-name-error"' in page
    assert 'id="r-0-key-error"' in page


def test_second_admin_saving_an_old_version_is_told_the_rule_changed(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    rule = api_rule(client, owner)
    api_rule_put = {"name": "Changed by the API", "conditions": EXPIRED, "actions": LINK}
    client.put(f"/v1/rules/{rule['id']}", json=api_rule_put, headers=owner.headers)
    fields = builder_fields(admin_csrf, do="save", rule_id=rule["id"], version="1", name="Mine")
    answer = post_builder(client, fields)
    assert answer.status_code == 409
    assert "version 2 now" in answer.text
    assert 'value="Mine"' in answer.text
    current = client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()
    assert current["name"] == "Changed by the API"


def test_saving_over_the_named_version_is_an_explicit_choice(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    rule = api_rule(client, owner)
    client.put(f"/v1/rules/{rule['id']}", json={**rule_body(), "name": "B"}, headers=owner.headers)
    fields = builder_fields(admin_csrf, do="overwrite:2", rule_id=rule["id"], version="1")
    assert post_builder(client, fields).status_code == 303
    assert client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()["version"] == 3


def rule_body() -> dict[str, Any]:
    return {"name": "Expired cards", "conditions": EXPIRED, "actions": LINK}


def test_edit_page_round_trips_a_rule_with_every_group_kind(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    conditions = {
        "any": [
            {"not": {"field": "country", "op": "in", "value": ["IN", "US"]}},
            {"all": [{"field": "metadata.plan", "op": "between", "value": [1, 5]}]},
        ]
    }
    rule = api_rule(client, owner, conditions=conditions)
    page = client.get(f"/console/rules/{rule['id']}").text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    for select in re.finditer(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', select.group(2))
        if chosen:
            fields[select.group(1)] = chosen.group(1)
    fields = {name: html.unescape(value) for name, value in fields.items()}
    fields.update({"do": "save", "enabled": "on", "a.0.channels": "email"})
    answer = post_builder(client, fields)
    assert answer.status_code == 303, re.findall(r'<li><a href="#[^"]+">.*?</li>', answer.text)
    saved = client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()
    assert saved["version"] == 2
    assert saved["conditions"] == conditions


def test_move_down_swaps_the_order_as_new_versions(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    first = api_rule(client, owner, name="First", priority=5)
    api_rule(client, owner, name="Second", priority=20)
    answer = client.post(
        f"/console/rules/{first['id']}/move",
        data={"csrf": admin_csrf, "step": "1"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    moved = client.get(f"/v1/rules/{first['id']}", headers=owner.headers).json()
    assert (moved["priority"], moved["version"]) == (20, 2)


def test_turning_a_rule_off_saves_a_version(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    rule = api_rule(client, owner)
    client.post(
        f"/console/rules/{rule['id']}/enabled",
        data={"csrf": admin_csrf, "version": "1", "enabled": "false"},
    )
    assert client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()["enabled"] is False


def test_versions_page_diffs_and_rolls_back(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    rule = api_rule(client, owner)
    client.put(
        f"/v1/rules/{rule['id']}", json={**rule_body(), "name": "Renamed"}, headers=owner.headers
    )
    page = client.get(f"/console/rules/{rule['id']}/versions").text
    assert "<del>-   &#34;name&#34;: &#34;Expired cards&#34;,</del>" in page
    assert "<ins>+   &#34;name&#34;: &#34;Renamed&#34;,</ins>" in page
    answer = client.post(
        f"/console/rules/{rule['id']}/rollback",
        data={"csrf": csrf_of(page), "version": "1", "current": "2"},
        follow_redirects=False,
    )
    assert answer.headers["location"].endswith("restored=3")
    current = client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()
    assert (current["version"], current["name"]) == (3, "Expired cards")


def test_rollback_from_an_old_page_changes_nothing(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    rule = api_rule(client, owner)
    client.put(f"/v1/rules/{rule['id']}", json={**rule_body(), "name": "B"}, headers=owner.headers)
    client.post(
        f"/console/rules/{rule['id']}/rollback",
        data={"csrf": admin_csrf, "version": "1", "current": "1"},
    )
    assert client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()["version"] == 2


def test_tester_on_a_hand_made_payment_shows_the_trace(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    api_rule(client, owner, name="Expired cards")
    page = client.get("/console/rules/test?source=form&category=expired_card&amount=100").text
    assert "Matched: Expired cards (version 1)." in page
    assert "<code>conditions</code>" in page
    assert "category eq" in page


def test_tester_on_an_unknown_case_says_so(client: TestClient, admin_csrf: str) -> None:
    answer = client.get("/console/rules/test?source=case&case=ord_nope")
    assert answer.status_code == 422
    assert "No such recovery" in answer.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/console/rules/new"),
        ("post", "/console/rules/builder"),
        ("post", "/console/rules/rul_x/move"),
        ("post", "/console/rules/rul_x/enabled"),
        ("post", "/console/rules/rul_x/rollback"),
    ],
)
def test_a_viewer_cannot_change_rules(
    client: TestClient, owner: Account, method: str, path: str
) -> None:
    viewer = invite_and_join(client, owner, "viewer")
    csrf = sign_in(client, viewer.email)
    answer = getattr(client, method)(path, **({"data": {"csrf": csrf}} if method == "post" else {}))
    assert answer.status_code == 403


def test_a_viewer_reads_a_rule_with_the_form_disabled(client: TestClient, owner: Account) -> None:
    rule = api_rule(client, owner)
    viewer = invite_and_join(client, owner, "viewer")
    sign_in(client, viewer.email)
    page = client.get(f"/console/rules/{rule['id']}").text
    assert '<fieldset class="plain-fieldset" disabled>' in page


def test_a_post_without_the_csrf_token_changes_nothing(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    fields = builder_fields("wrong-token", do="save")
    assert post_builder(client, fields).status_code == 403
    assert client.get("/v1/rules", headers=owner.headers).json()["data"] == []


def test_tester_on_a_real_case_by_its_reference(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    api_rule(
        client,
        owner,
        name="Big INR",
        conditions={"all": [{"field": "amount", "op": "gte", "value": 40000}]},
    )
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    body = sandbox_failure("ord_rules_1", "pm_sandbox_insufficient_funds")
    assert client.post("/v1/events/payment_failed", json=body, headers=key).status_code == 202
    page = client.get("/console/rules/test?source=case&case=ord_rules_1").text
    assert "Matched: Big INR (version 1)." in page
    assert "<code>49900</code>" in page


def test_moving_up_between_equal_priorities_spreads_them_out(
    client: TestClient, owner: Account, admin_csrf: str
) -> None:
    ids = [api_rule(client, owner, name=f"R{n}", priority=50)["id"] for n in range(3)]
    client.post(f"/console/rules/{ids[2]}/move", data={"csrf": admin_csrf, "step": "-1"})
    rules = client.get("/v1/rules", headers=owner.headers).json()["data"]
    order = [r["id"] for r in sorted(rules, key=lambda r: (r["priority"], r["id"]))]
    assert order == [ids[0], ids[2], ids[1]]


def test_another_organisations_rule_is_not_found(client: TestClient, owner: Account) -> None:
    rule = api_rule(client, owner)
    other = register(client)
    csrf = sign_in(client, other.email)
    for path in ("move", "rollback"):
        answer = client.post(
            f"/console/rules/{rule['id']}/{path}",
            data={"csrf": csrf, "step": "1", "version": "1", "current": "1"},
        )
        assert answer.status_code == 404
    assert client.get(f"/console/rules/{rule['id']}").status_code == 404
    assert client.get(f"/v1/rules/{rule['id']}", headers=owner.headers).json()["version"] == 1
