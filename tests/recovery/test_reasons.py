"""Every attempt and message of a recovery says why it was planned, moved, blocked, skipped or
cancelled, through the API, in the language asked for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import START
from tests.factories import Account
from tests.recovery.conftest import Engine, sandbox_failure
from tinko.kit.ids import new_id
from tinko.notify.optouts import unsubscribe_url
from tinko.payments.models import Transaction
from tinko.recovery.holdout import customer_key, in_holdout
from tinko.recovery.models import RecoveryAttempt, RecoveryCase

URL = "/v1/events/payment_failed"
FUNDS = "pm_sandbox_insufficient_funds"
LONGER_THAN_COOLDOWN = 3000  # minutes; a funds decline waits 48 hours (2,880 minutes) anyway


def _fail(client: TestClient, headers: dict[str, str], ref: str, method: str, **extra: Any) -> None:
    response = client.post(URL, json=sandbox_failure(ref, method, **extra), headers=headers)
    assert response.status_code == 202, response.text
    client.app.state.runner.drain()  # type: ignore[attr-defined]  # the planning job


def _recovery(
    client: TestClient, headers: dict[str, str], ref: str, **params: str
) -> dict[str, Any]:
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    response = client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _retry(recovery: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in recovery["attempts"] if a["kind"] == "psp_retry")


def _policy(client: TestClient, owner: Account, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Funds ladder",
        "max_attempts": 3,
        "initial_delay_minutes": LONGER_THAN_COOLDOWN,
        "backoff_multiplier": 2,
        "max_delay_minutes": 10_000,
        "channels": ["email"],
        "windows": {"timezone": "Asia/Kolkata", "preset": "anytime"},
        "window_days": 14,
        "active": True,
        **overrides,
    }
    response = client.post("/v1/retry-policies", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_planned_retry_names_its_policy_and_version(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    policy = _policy(client, owner)
    client.patch(
        f"/v1/retry-policies/{policy['id']}", json={"max_attempts": 4}, headers=owner.headers
    )
    _fail(client, key_headers, "why-1", FUNDS)
    reason = _retry(_recovery(client, key_headers, "why-1"))["reason"]
    assert reason["code"] == "planned_by_policy"
    assert (reason["params"]["policy_id"], reason["params"]["policy_version"]) == (policy["id"], 2)
    assert "policy “Funds ladder” (version 2)" in reason["text"]


def test_a_rule_planned_retry_names_the_rule_and_version(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    _policy(client, owner)
    rule = client.post(
        "/v1/rules",
        json={
            "name": "Funds after two hours",
            "conditions": {"field": "category", "op": "eq", "value": "insufficient_funds"},
            "actions": [{"type": "retry", "after_minutes": LONGER_THAN_COOLDOWN}],
        },
        headers=owner.headers,
    ).json()
    _fail(client, key_headers, "why-2", FUNDS)
    reason = _retry(_recovery(client, key_headers, "why-2"))["reason"]
    assert reason["code"] == "planned_by_rule"
    assert (reason["params"]["rule_id"], reason["params"]["rule_version"]) == (rule["id"], 1)
    assert reason["params"]["delay_minutes"] == LONGER_THAN_COOLDOWN


def test_a_retry_timed_by_the_declines_cooldown_says_so(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    _policy(client, owner, initial_delay_minutes=60)
    _fail(client, key_headers, "why-2b", FUNDS)
    reason = _retry(_recovery(client, key_headers, "why-2b"))["reason"]
    assert (reason["code"], reason["params"]["delay_minutes"]) == ("planned_after_cooldown", 2880)


def test_a_retry_moved_into_the_window_names_the_window(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    # 58 hours after Monday 15:00 IST is Thursday 01:00: outside business hours.
    _policy(
        client,
        owner,
        initial_delay_minutes=58 * 60,
        windows={"timezone": "Asia/Kolkata", "preset": "business_hours"},
    )
    _fail(client, key_headers, "why-3", FUNDS)
    reason = _retry(_recovery(client, key_headers, "why-3"))["reason"]
    assert reason["code"] == "shifted_to_window"
    params = reason["params"]
    assert (params["window"], params["timezone"]) == ("business_hours", "Asia/Kolkata")
    assert datetime.fromisoformat(params["to"]) > datetime.fromisoformat(params["from"])


def test_a_retry_blocked_by_a_network_rule_names_the_rule(
    client: TestClient, app: FastAPI, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _fail(client, key_headers, "why-4", FUNDS)
    due = datetime.fromisoformat(_retry(_recovery(client, key_headers, "why-4"))["scheduled_for"])
    _fail(client, key_headers, "why-4-other", FUNDS)
    _used_up_the_visa_allowance(app, "why-4-other", before=due)
    scheduler.clock.set(due)
    scheduler.sweep()
    retry = _retry(_recovery(client, key_headers, "why-4"))
    assert retry["outcome"] == "blocked"
    assert retry["reason"]["code"] == "blocked_by_network_rule"
    assert (retry["reason"]["params"]["network"], retry["reason"]["params"]["rule"]) == (
        "visa",
        "visa.cap_30d",
    )


def _used_up_the_visa_allowance(app: FastAPI, ref: str, *, before: datetime) -> None:
    """Twenty declined charges on the same card (Visa's cap since 2025), from another case."""
    with app.state.session_factory() as session, session.begin():
        other = session.scalars(
            select(RecoveryCase)
            .join(Transaction, Transaction.id == RecoveryCase.transaction_id)
            .where(Transaction.transaction_ref == ref)
        ).one()
        for n in range(20):
            at = before - timedelta(hours=1 + n)
            session.add(
                RecoveryAttempt(
                    id=new_id("att"),
                    org_id=other.org_id,
                    case_id=other.id,
                    kind="psp_retry",
                    attempt_number=100 + n,
                    status="done",
                    scheduled_for=at,
                    started_at=at,
                    finished_at=at,
                    outcome="declined",
                    payment_method_ref=FUNDS,
                    card_network="visa",
                    created_at=at,
                )
            )


def test_a_holdout_customer_is_left_alone_and_told_why(
    client: TestClient, owner: Account, key_headers: dict[str, str]
) -> None:
    client.patch("/v1/auth/org", json={"holdout_percent": 50}, headers=owner.headers)
    email = next(
        f"held{n}@example.in"
        for n in range(200)
        if in_holdout(owner.org_id, customer_key(None, f"held{n}@example.in", None, ""), 50)
    )
    _fail(client, key_headers, "why-5", FUNDS, customer={"email": email})
    recovery = _recovery(client, key_headers, "why-5")
    assert recovery["attempts"] == []
    assert (recovery["reason"]["code"], recovery["reason"]["params"]) == (
        "holdout",
        {"percent": 50},
    )


def test_a_message_to_an_opted_out_customer_is_skipped_and_says_so(
    client: TestClient, app: FastAPI, owner: Account, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _fail(client, key_headers, "why-6", "pm_sandbox_stolen", decline_code="stolen_card")
    settings = app.state.settings
    url = unsubscribe_url(
        settings.base_url, settings.secret_key, owner.org_id, "email", "asha@example.in"
    )
    client.post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"})
    scheduler.run_for(timedelta(days=3), step=timedelta(hours=6))
    [message] = _recovery(client, key_headers, "why-6")["attempts"]
    assert message["outcome"] == "skipped"
    assert message["reason"]["code"] == "skipped_opted_out"
    assert message["reason"]["params"] == {"channel": "email"}


def test_a_link_over_the_frequency_cap_is_skipped_and_says_so(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-7", FUNDS)
    link = "/v1/recoveries/by_ref/why-7/link"
    for _ in range(3):
        client.post(link, json={"channel": "email"}, headers=key_headers)
    fourth = client.post(link, json={"channel": "email"}, headers=key_headers).json()["message"]
    assert fourth["status"] == "skipped"
    assert fourth["reason"]["code"] == "skipped_frequency_cap"
    assert fourth["reason"]["params"] == {"channel": "email", "limit": 3, "window_hours": 24}


def test_a_message_sent_on_the_merchants_request_says_so(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-8", FUNDS)
    client.post("/v1/recoveries/by_ref/why-8/link", json={"channel": "email"}, headers=key_headers)
    [message] = _recovery(client, key_headers, "why-8")["messages"]
    assert message["reason"]["code"] == "link_sent_by_merchant"


def test_cancelling_tells_every_planned_step_the_merchant_stopped_it(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-9", FUNDS)
    case_id = _recovery(client, key_headers, "why-9")["id"]
    cancelled = client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers).json()
    assert cancelled["attempts"]
    assert {a["reason"]["code"] for a in cancelled["attempts"]} == {"cancelled_by_merchant"}
    assert cancelled["reason"]["code"] == "cancelled_by_merchant"


def test_a_payment_that_recovers_the_case_cancels_the_rest_and_says_how(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-10", FUNDS)
    token = client.post("/v1/recoveries/by_ref/why-10/link", json={}, headers=key_headers).json()
    redirect = client.post(
        f"/v1/recoveries/by_token/{token['token']}/checkout", json={"method": "upi"}
    )
    client.post(f"{urlsplit(redirect.json()['redirect_url']).path}/pay", follow_redirects=False)
    recovery = _recovery(client, key_headers, "why-10")
    assert recovery["status"] == "recovered"
    retry = _retry(recovery)
    assert (retry["outcome"], retry["reason"]["code"]) == ("cancelled", "cancelled_recovered")
    assert retry["reason"]["params"] == {"source": "payer_link"}
    assert recovery["reason"]["code"] == "recovered"
    assert recovery["reason"]["params"]["amount_minor"] == 49900


def test_reasons_read_in_the_language_asked_for(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-11", FUNDS)
    hindi = _retry(_recovery(client, key_headers, "why-11", lang="hi"))["reason"]["text"]
    assert "दोबारा कोशिश" in hindi


def test_reasons_follow_accept_language_when_no_lang_is_given(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-12", FUNDS)
    headers = {**key_headers, "Accept-Language": "ta-IN, en;q=0.5"}
    response = client.get("/v1/recoveries/by_ref/why-12", headers=headers)
    assert "மறுமுயற்சி" in _retry(response.json())["reason"]["text"]


def test_an_unknown_lang_is_a_422_naming_lang(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-13", FUNDS)
    response = client.get("/v1/recoveries/by_ref/why-13?lang=fr", headers=key_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "lang"]


def test_an_unknown_accept_language_reads_as_english(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-14", FUNDS)
    headers = {**key_headers, "Accept-Language": "fr-FR"}
    text = _retry(client.get("/v1/recoveries/by_ref/why-14", headers=headers).json())["reason"]
    assert text["text"].startswith("Retry 1")


def test_the_list_carries_each_cases_reason(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-15", FUNDS)
    case_id = _recovery(client, key_headers, "why-15")["id"]
    client.post(f"/v1/recoveries/{case_id}/cancel", headers=key_headers)
    [summary] = client.get("/v1/recoveries?lang=ta", headers=key_headers).json()["data"]
    assert summary["reason"]["code"] == "cancelled_by_merchant"
    assert "வணிகர்" in summary["reason"]["text"]


def test_a_step_from_before_reasons_shows_a_null_reason(
    client: TestClient, app: FastAPI, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-16", FUNDS)
    with app.state.session_factory() as session, session.begin():
        for attempt in session.query(RecoveryAttempt).all():
            attempt.reason = None
    assert _retry(_recovery(client, key_headers, "why-16"))["reason"] is None


def test_moments_in_the_text_are_in_the_orgs_time_zone(
    client: TestClient, key_headers: dict[str, str]
) -> None:
    _fail(client, key_headers, "why-17", FUNDS)
    retry = _retry(_recovery(client, key_headers, "why-17"))
    at = datetime.fromisoformat(retry["scheduled_for"]).astimezone(UTC)
    assert at > START
    assert "IST" in retry["reason"]["text"]


def test_every_step_of_a_worked_case_has_a_reason_in_every_language(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    _fail(client, key_headers, "why-18", FUNDS)
    scheduler.run_for(timedelta(days=21), step=timedelta(hours=3))
    for lang in ("en", "hi", "ta"):
        recovery = _recovery(client, key_headers, "why-18", lang=lang)
        steps = recovery["attempts"] + recovery["messages"]
        assert len(steps) >= 2
        assert all(step["reason"] and step["reason"]["text"] for step in steps), steps
