"""Finding recoveries: each filter, the search box, keyset pages, counts, one organisation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import START
from tests.factories import Account, create_api_key, register
from tests.recovery.conftest import sandbox_failure
from tinko.recovery.search import CaseQuery, find_cases


@pytest.fixture
def session(app: FastAPI, client: TestClient) -> Iterator[Session]:
    with app.state.session_factory() as session:
        yield session


def _fail(client: TestClient, headers: dict[str, str], ref: str, **overrides: Any) -> str:
    body = sandbox_failure(ref, "pm_sandbox_insufficient_funds", **overrides)
    response = client.post("/v1/events/payment_failed", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["recovery"]["id"])


def _refs(session: Session, org_id: str, query: CaseQuery) -> list[str]:
    return [row.transaction_ref for row in find_cases(session, org_id, query).rows]


@pytest.fixture
def seeded(client: TestClient, owner: Account, key_headers: dict[str, str]) -> Account:
    _fail(client, key_headers, "ord_card_small", amount=10000)
    _fail(
        client,
        key_headers,
        "ord_upi_big",
        amount=500000,
        payment_method_type="upi",
        card_network=None,
        decline_code="expired_card",
        customer={"email": "Ravi.K@Example.in"},
    )
    _fail(client, key_headers, "ord_usd", amount=2000, currency="USD", gateway="stripe")
    return owner


def test_no_filter_lists_newest_first(session: Session, seeded: Account) -> None:
    assert _refs(session, seeded.org_id, CaseQuery()) == [
        "ord_usd",
        "ord_upi_big",
        "ord_card_small",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (CaseQuery(rail="upi"), ["ord_upi_big"]),
        (CaseQuery(gateway="stripe"), ["ord_usd"]),
        (CaseQuery(category="expired_card"), ["ord_upi_big"]),
        (CaseQuery(currency="INR", amount_min=20000), ["ord_upi_big"]),
        (CaseQuery(currency="INR", amount_max=20000), ["ord_card_small"]),
        (CaseQuery(text="ord_card"), ["ord_card_small"]),
        (CaseQuery(text="ravi.k@example.IN"), ["ord_upi_big"]),
        (CaseQuery(text="ord_%"), []),  # a wildcard is a character, not a pattern
        (CaseQuery(since=START + timedelta(days=1)), []),
        (CaseQuery(until=START - timedelta(days=1)), []),
    ],
)
def test_filter_keeps_only_matching_cases(
    session: Session, seeded: Account, query: CaseQuery, expected: list[str]
) -> None:
    assert _refs(session, seeded.org_id, query) == expected


def test_status_filter_and_counts_per_status(session: Session, seeded: Account) -> None:
    found = find_cases(session, seeded.org_id, CaseQuery(status="recovered"))
    assert found.rows == []
    assert found.total == 0
    assert sum(found.by_status.values()) == 3


def test_case_id_finds_its_case(client: TestClient, session: Session, owner: Account) -> None:
    headers = {"X-API-Key": create_api_key(client, owner, role="admin")["key"]}
    case_id = _fail(client, headers, "ord_by_id")
    _fail(client, headers, "ord_other")
    assert _refs(session, owner.org_id, CaseQuery(text=case_id)) == ["ord_by_id"]


def test_pages_follow_on_without_gaps_or_repeats(
    client: TestClient, session: Session, owner: Account, key_headers: dict[str, str]
) -> None:
    for n in range(7):
        _fail(client, key_headers, f"ord_{n}")
    seen: list[str] = []
    after = None
    for _ in range(4):
        page = find_cases(session, owner.org_id, CaseQuery(), after=after, limit=3)
        seen += [row.transaction_ref for row in page.rows]
        assert page.total == 7
        after = page.next_after
        if after is None:
            break
    assert seen == [f"ord_{n}" for n in reversed(range(7))]


def test_another_organisations_cases_are_never_found(
    client: TestClient, session: Session, seeded: Account
) -> None:
    other = register(client, org_name="Other")
    found = find_cases(session, other.org_id, CaseQuery(text="ord_card_small"))
    assert found.rows == []
    assert found.by_status == {}
