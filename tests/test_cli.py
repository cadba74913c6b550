from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from tinko.auth.models import User
from tinko.cli import app

runner = CliRunner()


def test_migrate_then_create_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TINKO_DATABASE_URL", url)
    monkeypatch.setenv("TINKO_VAR_DIR", str(tmp_path))
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "create-user",
            "--email",
            "cli@example.com",
            "--org-name",
            "CLI Co",
            "--password",
            "velvet-Harbour-lantern-93",
        ],
    )
    assert result.exit_code == 0, result.output
    with create_engine(url).connect() as connection:
        roles = connection.execute(select(User.role).where(User.email == "cli@example.com")).all()
    assert roles == [("owner",)]


def test_bad_setting_exits_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_PORTT", "1")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2
    assert "TINKO_PORTT" in result.output


def test_rotate_keys_reencrypts_so_the_old_key_can_go(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cryptography.fernet import Fernet

    from tinko.db import make_engine, make_session_factory, unit_of_work
    from tinko.intake.models import WebhookEndpoint
    from tinko.intake.webhooks import create_endpoint
    from tinko.kit.clock import SystemClock
    from tinko.kit.secretbox import SecretBox
    from tinko.tenancy.service import create_org

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("TINKO_DATABASE_URL", url)
    monkeypatch.setenv("TINKO_VAR_DIR", str(tmp_path))
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine)) as session:
        org = create_org(session, SystemClock(), "Keys Co")
        secret = create_endpoint(
            session, SystemClock(), SecretBox("", old), org.id, "stripe"
        ).secret

    monkeypatch.setenv("TINKO_ENCRYPTION_KEYS", f"{new},{old}")
    result = runner.invoke(app, ["rotate-keys"])
    assert result.exit_code == 0, result.output

    with make_session_factory(engine)() as session:
        stored = session.scalars(select(WebhookEndpoint.secret_ciphertext)).one()
    assert SecretBox("", new).decrypt(stored) == secret  # the old key is no longer needed
    engine.dispose()
