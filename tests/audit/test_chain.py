"""Tamper evidence: the chain verifies, and an edited or deleted row is found."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from tests.audit.conftest import events, tamper, verify
from tests.factories import Account, login
from tinko.audit.models import AuditPrune
from tinko.cli import app as cli
from tinko.jobs.registry import JobContext, run_job
from tinko.kit.clock import FrozenClock


def test_untouched_chain_verifies(client: TestClient, busy_org: Account) -> None:
    result = verify(client, busy_org)
    assert result["ok"] is True
    assert result["checked"] >= 4  # org, user, sign-up session, policy and its two changes
    assert result["checkpoints_checked"] >= 1


def test_edited_row_is_named(client: TestClient, engine: Engine, busy_org: Account) -> None:
    (changed,) = events(client, busy_org, action="retry_policy.created")
    tamper(
        engine,
        "UPDATE audit_event SET action = 'retry_policy.viewed' WHERE org_id = :org AND seq = :seq",
        org=busy_org.org_id,
        seq=changed["seq"],
    )
    result = verify(client, busy_org)
    assert result["ok"] is False
    assert result["first_bad"]["seq"] == changed["seq"]
    assert "edited" in result["first_bad"]["reason"]


def test_deleted_row_is_a_gap(client: TestClient, engine: Engine, busy_org: Account) -> None:
    (changed,) = events(client, busy_org, action="retry_policy.created")
    tamper(
        engine,
        "DELETE FROM audit_event WHERE org_id = :org AND seq = :seq",
        org=busy_org.org_id,
        seq=changed["seq"],
    )
    result = verify(client, busy_org)
    assert result["first_bad"]["seq"] == changed["seq"]
    assert result["first_bad"]["reason"].startswith("gap")


def test_deleted_last_row_is_a_gap(client: TestClient, engine: Engine, busy_org: Account) -> None:
    last = events(client, busy_org)[0]["seq"]
    tamper(
        engine,
        "DELETE FROM audit_event WHERE org_id = :org AND seq = :seq",
        org=busy_org.org_id,
        seq=last,
    )
    result = verify(client, busy_org)
    assert result["first_bad"] == {"seq": last, "reason": f"gap: events {last}..{last} are missing"}


def test_retention_outside_its_range_is_422(client: TestClient, owner: Account) -> None:
    for days in (29, 3651):
        response = client.put("/v1/audit/retention", json={"days": days}, headers=owner.headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "days"]


def test_prune_leaves_a_signed_record_and_verifies(
    client: TestClient, engine: Engine, clock: FrozenClock, busy_org: Account
) -> None:
    kept = client.put("/v1/audit/retention", json={"days": 30}, headers=busy_org.headers)
    assert kept.status_code == 200, kept.text
    clock.advance(timedelta(days=31))
    app = client.app
    ctx = JobContext(app.state.settings, app.state.session_factory, clock)  # type: ignore[attr-defined]
    run_job(ctx, "audit.prune", {})
    with engine.connect() as connection:
        prune = connection.execute(select(AuditPrune)).one()
        left = connection.execute(
            text("SELECT min(seq) FROM audit_event WHERE org_id = :o"), {"o": busy_org.org_id}
        ).scalar_one()
    assert left == prune.through_seq + 1
    again = login(client, busy_org.email)  # the old access token expired meanwhile
    assert events(client, again, action="audit.pruned")
    assert verify(client, again)["ok"] is True


def _export(client: TestClient, account: Account, tmp_path: Path) -> tuple[Path, Path]:
    export = tmp_path / "audit.jsonl"
    export.write_bytes(client.get("/v1/audit/export.jsonl", headers=account.headers).content)
    kept = tmp_path / "checkpoints.json"
    kept.write_bytes(client.get("/v1/audit/checkpoints", headers=account.headers).content)
    return export, kept


def test_export_verifies_offline(client: TestClient, busy_org: Account, tmp_path: Path) -> None:
    export, kept = _export(client, busy_org, tmp_path)
    key = client.get("/v1/audit/public-key", headers=busy_org.headers).json()["public_key"]
    args = ["audit", "verify", "--file", str(export), "--checkpoints", str(kept)]
    result = CliRunner().invoke(cli, [*args, "--public-key", key])
    assert result.exit_code == 0, result.output
    assert '"ok": true' in result.output


def test_edited_export_fails_offline(client: TestClient, busy_org: Account, tmp_path: Path) -> None:
    export, kept = _export(client, busy_org, tmp_path)
    export.write_text(export.read_text().replace("retry_policy.created", "retry_policy.viewed"))
    args = ["audit", "verify", "--file", str(export), "--checkpoints", str(kept)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "edited" in result.output


def test_cli_verifies_the_database(
    client: TestClient, busy_org: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    monkeypatch.setenv("TINKO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TINKO_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(cli, ["audit", "verify", "--org", busy_org.org_id])
    assert result.exit_code == 0, result.output


def test_hourly_job_signs_the_newest_events(
    client: TestClient, engine: Engine, clock: FrozenClock, busy_org: Account
) -> None:
    app = client.app
    ctx = JobContext(app.state.settings, app.state.session_factory, clock)  # type: ignore[attr-defined]
    run_job(ctx, "audit.checkpoint", {})  # within the hour of the first: nothing to sign
    query = text("SELECT max(seq) FROM audit_checkpoint WHERE org_id = :o")
    with engine.connect() as connection:
        before = connection.execute(query, {"o": busy_org.org_id}).scalar_one()
    clock.advance(timedelta(minutes=61))
    run_job(ctx, "audit.checkpoint", {})
    with engine.connect() as connection:
        after = connection.execute(query, {"o": busy_org.org_id}).scalar_one()
        head = connection.execute(
            text("SELECT seq FROM audit_head WHERE org_id = :o"), {"o": busy_org.org_id}
        ).scalar_one()
    assert before < head
    assert after == head
