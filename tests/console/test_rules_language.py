"""The builder covers the whole condition language: every field of the catalogue with every
operator its kind allows, opened in the builder and saved back unchanged (the form read as a
browser submits it: selected options, checked boxes, no buttons but the one pressed)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.conftest import sign_in
from tests.factories import Account, register
from tinko.rules.conditions import OPERATORS_BY_KIND
from tinko.rules.fields import CONTEXT_FIELDS

SAMPLES: dict[str, tuple[object, object, object]] = {
    # field: (one value, a list for in/not_in, a [low, high] for between)
    "category": ("expired_card", ["expired_card", "do_not_honor"], None),
    "decline_type": ("soft", ["soft", "hard"], None),
    "retryable": (True, None, None),
    "amount": (5000, [100, 200], [100, 900]),
    "currency": ("INR", ["INR", "USD"], None),
    "gateway": ("razorpay", ["razorpay", "stripe"], None),
    "payment_method_type": ("upi", ["card", "upi"], None),
    "country": ("IN", ["IN", "SG"], None),
    "card_network": ("rupay", ["visa", "rupay"], None),
    "attempt_number": (2, [1, 2], [1, 3]),
    "hours_since_failure": (1.5, [1, 2.5], [0.5, 48]),
    "customer.tier": ("gold", ["gold", "silver"], [1, 5]),
    "metadata.plan": (12, [12, 24], [1, 5]),
}


def cases() -> list[tuple[str, str]]:
    out = []
    for name in SAMPLES:
        spec = (
            CONTEXT_FIELDS.get(name)
            or CONTEXT_FIELDS[
                f"{name.split('.')[0]}.<" + ("name>" if name.startswith("customer") else "key>")
            ]
        )
        out += [(name, op) for op in OPERATORS_BY_KIND[spec.kind]]
    return out


def value_for(name: str, op: str) -> object:
    one, many, pair = SAMPLES[name]
    if op == "exists":
        return True
    if op in ("in", "not_in"):
        return many
    if op == "between":
        return pair
    if op == "contains":
        return "go" if isinstance(one, str) else "x"
    if op in ("gt", "gte", "lt", "lte"):
        return one if isinstance(one, int | float) and not isinstance(one, bool) else 3
    return one


class FormReader(HTMLParser):
    """What a browser submits from the builder's form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == "/console/rules/builder":
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("type") not in ("checkbox", "submit"):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "input" and "checked" in a:
            self.fields.append((a["name"], a.get("value", "on")))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        if tag == "form":
            self.in_form = False


@pytest.fixture
def owner(client: TestClient) -> Account:
    account = register(client)
    sign_in(client, account.email)
    return account


def test_every_field_and_operator_survives_the_builder(client: TestClient, owner: Account) -> None:
    changed = []
    for name, op in cases():
        conditions = {"all": [{"field": name, "op": op, "value": value_for(name, op)}]}
        body = {"name": "r", "conditions": conditions, "actions": [{"type": "stop"}]}
        created = client.post("/v1/rules", json=body, headers=owner.headers).json()
        reader = FormReader()
        reader.feed(client.get(f"/console/rules/{created['id']}").text)
        data: dict[str, Any] = {}
        for key, value in [*reader.fields, ("do", "save")]:
            data.setdefault(key, []).append(value)
        client.post("/console/rules/builder", data=data)
        saved = client.get(f"/v1/rules/{created['id']}", headers=owner.headers).json()
        if (saved["version"], saved["conditions"]) != (2, created["conditions"]):
            changed.append((name, op, saved["version"], saved["conditions"]))
    assert changed == []
