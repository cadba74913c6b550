"""The policy editor's paydays box: auto or days, errors at the field (issue #16)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.console.test_policies import _csrf, _form
from tests.factories import Account, register

FUNDS = {"strategy": "payday", "categories": ["insufficient_funds"], "op": "save"}


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client, org_name="Kaveri Books")


def test_days_typed_in_the_console_are_saved_and_shown_again(
    client: TestClient, owner: Account
) -> None:
    sign_in(client, owner.email)
    client.post("/console/policies/edit", data=_form(_csrf(client), paydays="7, -1", **FUNDS))
    [policy] = client.get("/v1/retry-policies", headers=owner.headers).json()["data"]
    assert policy["paydays"] == [7, -1]
    assert 'value="7, -1"' in client.get(f"/console/policies/{policy['id']}").text


def test_an_empty_box_keeps_the_built_in_default(client: TestClient, owner: Account) -> None:
    sign_in(client, owner.email)
    client.post("/console/policies/edit", data=_form(_csrf(client), **FUNDS))
    [policy] = client.get("/v1/retry-policies", headers=owner.headers).json()["data"]
    assert policy["paydays"] is None


@pytest.mark.parametrize("bad", ["sometimes", "0", "40"])
def test_a_bad_value_is_marked_at_the_paydays_box(
    client: TestClient, owner: Account, bad: str
) -> None:
    sign_in(client, owner.email)
    page = client.post("/console/policies/edit", data=_form(_csrf(client), paydays=bad, **FUNDS))
    assert page.status_code == 422
    assert 'id="paydays-error"' in page.text
