from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import START
from tests.factories import Account, create_api_key, register


@pytest.fixture
def owner(client: TestClient) -> Account:
    return register(client)


@pytest.fixture
def key_headers(client: TestClient, owner: Account) -> dict[str, str]:
    return {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}


def failure_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transaction_ref": "order_1001",
        "amount": 49900,
        "currency": "INR",
        "gateway": "razorpay",
        "decline_code": "insufficient_funds",
        "failure_message": "Insufficient balance",
        "payment_method_type": "card",
        "customer": {"id": "cust_1", "email": "payer@example.in", "name": "Asha"},
        "occurred_at": (START - timedelta(minutes=3)).isoformat(),
        "metadata": {"plan": "gold"},
    }
    body.update(overrides)
    return body
