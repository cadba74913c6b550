"""Every request example in the OpenAPI document is accepted by the API as documented."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Account, create_api_key, register
from tinko.apidocs.examples import REQUEST_EXAMPLES
from tinko.psp import credentials

CASES = [
    pytest.param(method, path, name, example["value"], id=f"{method} {path} {name}")
    for (method, path), examples in REQUEST_EXAMPLES.items()
    for name, example in examples.items()
]


def _created(client: TestClient, account: Account, path: str) -> str:
    (example,) = list(REQUEST_EXAMPLES[("POST", path)].values())[:1]
    response = client.post(path, json=example["value"], headers=account.headers)
    assert response.status_code == 201, response.text
    object_id: str = response.json()["id"]
    return object_id


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def path_values(client: TestClient, owner: Account) -> dict[str, str]:
    """An object of each kind the examples' paths name, made from the examples themselves."""
    key = {"X-API-Key": create_api_key(client, owner)["key"]}
    failure = REQUEST_EXAMPLES[("POST", "/v1/events/payment_failed")]["card"]["value"]
    reported = client.post("/v1/events/payment_failed", json=failure, headers=key)
    assert reported.status_code == 202, reported.text
    return {
        "policy_id": _created(client, owner, "/v1/retry-policies"),
        "rule_id": _created(client, owner, "/v1/rules"),
        "template_id": _created(client, owner, "/v1/templates"),
        "transaction_ref": failure["transaction_ref"],
    }


@pytest.mark.parametrize(("method", "path", "name", "value"), CASES)
def test_the_example_is_accepted(
    client: TestClient,
    owner: Account,
    path_values: dict[str, str],
    method: str,
    path: str,
    name: str,
    value: Any,
) -> None:
    if path == "/v1/psp-credentials/{psp}":
        # Saving keys calls the PSP; their shape is what the example shows.
        assert credentials.validate(name, value).psp == name
        return
    if path == "/v1/auth/login":
        register_example = REQUEST_EXAMPLES[("POST", "/v1/auth/register")]["owner"]["value"]
        assert client.post("/v1/auth/register", json=register_example).status_code == 201
    response = client.request(method, path.format(**path_values), json=value, headers=owner.headers)
    assert response.status_code < 300, response.text
