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
