from __future__ import annotations

from pathlib import Path

import pytest

from tinko.config import SettingsError, load_settings


def test_unknown_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_DATABSE_URL", "sqlite:///x.db")
    with pytest.raises(SettingsError, match="TINKO_DATABSE_URL"):
        load_settings()


def test_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_SMTP_PORT", "not-a-port")
    with pytest.raises(SettingsError, match="TINKO_SMTP_PORT"):
        load_settings()


def test_invalid_rate_limit_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_RATE_LIMITS", "login:often")
    with pytest.raises(SettingsError, match="TINKO_RATE_LIMITS"):
        load_settings()


def test_unknown_rate_limit_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_RATE_LIMITS", "logins:5/minute")
    with pytest.raises(SettingsError, match="logins"):
        load_settings()


def test_rate_limits_override_only_named_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TINKO_RATE_LIMITS", "login:5/minute")
    table = load_settings(var_dir=tmp_path).rate_limit_table
    assert table["login"] == "5/minute"
    assert table["register"] == "20/hour"


def test_prod_requires_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_ENV", "prod")
    with pytest.raises(SettingsError, match="TINKO_SECRET_KEY"):
        load_settings()


def test_dev_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings(var_dir=tmp_path).secret_key
    second = load_settings(var_dir=tmp_path).secret_key
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_default_database_is_sqlite_under_var(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'tinko.db'}"


def test_plain_postgres_url_uses_psycopg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TINKO_DATABASE_URL", "postgresql://u@db/tinko")
    settings = load_settings(var_dir=tmp_path)
    assert settings.resolved_database_url == "postgresql+psycopg://u@db/tinko"


def test_trusted_proxies_take_addresses_and_networks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TINKO_TRUSTED_PROXIES", "10.0.0.1, 172.16.0.0/12,fd00::/8")
    settings = load_settings(var_dir=tmp_path)
    assert settings.trusted_proxy_networks == ["10.0.0.1/32", "172.16.0.0/12", "fd00::/8"]


def test_trusted_proxies_default_to_none(tmp_path: Path) -> None:
    assert load_settings(var_dir=tmp_path).trusted_proxy_networks == []


def test_invalid_trusted_proxy_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TINKO_TRUSTED_PROXIES", "10.0.0.1,proxy.internal")
    with pytest.raises(SettingsError, match=r"TINKO_TRUSTED_PROXIES.*proxy\.internal"):
        load_settings()
