"""The live claim holds a retry while another payment of the merchant saw its card's issuer
down, and lets it go once the sign is stale or the issuer approved a payment since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.recovery.conftest import Engine, sandbox_failure
from tinko.psp.models import SandboxCharge
from tinko.recovery.models import RecoveryCase
from tinko.recovery.settlement import LAST_CHANCE_BEFORE_END
from tinko.recovery.transient import ISSUER_LOOK_AGAIN

URL = "/v1/events/payment_failed"
ISSUER = "HDFC Bank"


def _fail(client: TestClient, headers: dict[str, str], ref: str, method: str, **kw: Any) -> None:
    body = sandbox_failure(ref, method, decline_code="issuer_not_available", **kw)
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 202, response.text
    client.app.state.runner.drain()  # type: ignore[attr-defined]


def _recovery(client: TestClient, headers: dict[str, str], ref: str) -> dict[str, Any]:
    client.app.state.runner.drain()  # type: ignore[attr-defined]
    response = client.get(f"/v1/recoveries/by_ref/{ref}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _charges(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(SandboxCharge)) or 0)


def _due_after_an_outage_on(
    client: TestClient, headers: dict[str, str], scheduler: Engine, issuer: str
) -> datetime:
    """Case "b" (HDFC, would be approved) has a retry planned; an hour before it, another
    payment on ``issuer`` fails as the issuer being unavailable. Returns b's planned moment."""
    _fail(client, headers, "b", "pm_sandbox_success", card_issuer=ISSUER)
    planned = datetime.fromisoformat(_recovery(client, headers, "b")["next_action_at"])
    scheduler.clock.set(planned.astimezone(UTC) - timedelta(hours=1))
    now = scheduler.clock.now().isoformat()
    _fail(client, headers, "c", "pm_sandbox_issuer_down", card_issuer=issuer, occurred_at=now)
    return planned.astimezone(UTC)


def test_a_retry_to_an_issuer_another_payment_saw_down_is_held_without_a_charge(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    planned = _due_after_an_outage_on(client, key_headers, scheduler, ISSUER)
    charges = _charges(app)
    scheduler.clock.set(planned)
    scheduler.sweep()
    held = _recovery(client, key_headers, "b")
    assert _charges(app) == charges
    assert datetime.fromisoformat(held["next_action_at"]) == planned + ISSUER_LOOK_AGAIN
    [retry] = [a for a in held["attempts"] if a["kind"] == "psp_retry"]
    assert retry["reason"]["code"] == "held_back_issuer_down"
    assert retry["reason"]["params"]["issuer"] == ISSUER


def test_an_outage_at_another_issuer_holds_nothing(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    planned = _due_after_an_outage_on(client, key_headers, scheduler, "ICICI Bank")
    scheduler.clock.set(planned)
    scheduler.sweep()
    assert _recovery(client, key_headers, "b")["status"] == "recovered"


def test_the_held_retry_goes_once_the_outage_was_last_seen_six_hours_ago(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    planned = _due_after_an_outage_on(client, key_headers, scheduler, ISSUER)
    scheduler.clock.set(planned)
    scheduler.sweep()
    scheduler.run_for(timedelta(hours=6))
    assert _recovery(client, key_headers, "b")["status"] == "recovered"


def test_an_approval_by_the_issuer_after_the_outage_lets_the_retry_go(
    client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    planned = _due_after_an_outage_on(client, key_headers, scheduler, ISSUER)
    # The merchant retries another HDFC card now (a manual retry is never held): approved.
    _fail(client, key_headers, "d", "pm_sandbox_success", card_issuer=ISSUER)
    case_id = _recovery(client, key_headers, "d")["id"]
    response = client.post(f"/v1/recoveries/{case_id}/retry-now", headers=key_headers)
    assert response.status_code == 202, response.text
    assert _recovery(client, key_headers, "d")["status"] == "recovered"
    scheduler.clock.set(planned)
    scheduler.sweep()
    assert _recovery(client, key_headers, "b")["status"] == "recovered"


def test_a_held_retry_waits_no_later_than_the_windows_last_try(
    app: FastAPI, client: TestClient, key_headers: dict[str, str], scheduler: Engine
) -> None:
    # Case b's window ends 90 minutes after its retry was due: held past it, the retry would
    # charge after the merchant's recovery ended. It goes at the window's last try instead.
    planned = _due_after_an_outage_on(client, key_headers, scheduler, ISSUER)
    with app.state.session_factory() as session:
        case = session.get(RecoveryCase, _recovery(client, key_headers, "b")["id"])
        assert case is not None
        case.expires_at = planned + timedelta(minutes=90)
        session.commit()
    last_try = planned + timedelta(minutes=90) - LAST_CHANCE_BEFORE_END
    scheduler.clock.set(planned)
    scheduler.sweep()
    held = _recovery(client, key_headers, "b")
    assert datetime.fromisoformat(held["next_action_at"]) == last_try
    scheduler.clock.set(last_try)
    scheduler.sweep()
    assert _recovery(client, key_headers, "b")["status"] == "recovered"
