"""Infrastructure settings, read from `TINKO_*` environment variables.

Business knobs (policies, windows, templates) are per-organisation rows, not settings.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate_limit
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "TINKO_"
# Variables the test harness and tools own; they are not service settings.
_FOREIGN_VARIABLES = frozenset({"TINKO_TEST_DATABASE_URL", "TINKO_TEST_REDIS_URL"})

# Documented defaults (docs/api.md "Settings"); TINKO_RATE_LIMITS overrides by name.
DEFAULT_RATE_LIMITS: dict[str, str] = {
    "login": "10/minute",
    "register": "20/hour",
    "forgot": "5/hour",
    "refresh": "60/minute",
    "payer": "60/minute",
}


class SettingsError(Exception):
    """A setting is unknown or invalid; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    env: Literal["dev", "prod", "test"] = "dev"
    var_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    encryption_keys: str = ""
    base_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None
    broker_url: str | None = None
    rate_limits: str = ""
    # Peers whose X-Forwarded-For is believed (comma-separated IPs or CIDR networks).
    trusted_proxies: str = ""
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    access_token_minutes: int = Field(default=15, gt=0, le=24 * 60)
    refresh_token_days: int = Field(default=30, gt=0, le=365)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    run_jobs: bool = True
    # How long a worker holds an attempt it is running before a sweep may hand it to another
    # (a worker killed mid-attempt); longer than any PSP call should take.
    attempt_lease_seconds: int = Field(default=300, ge=1, le=3600)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    mail_from: str = "Tinko Recovery <no-reply@localhost>"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_sms_from: str | None = None
    twilio_whatsapp_from: str | None = None
    stripe_api_base: str | None = None
    razorpay_api_base: str | None = None
    twilio_api_base: str | None = None
    # Base64 of a 32-byte Ed25519 seed for audit checkpoints; unset derives one from the secret.
    audit_signing_key: str = ""
    # An audit checkpoint is signed after this many events in an org (and at least hourly).
    audit_checkpoint_every: int = Field(default=1000, ge=1, le=1_000_000)

    @field_validator("rate_limits")
    @classmethod
    def _valid_rate_limits(cls, value: str) -> str:
        parse_rate_limits(value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_trusted_proxies(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("base_url")
    @classmethod
    def _valid_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith(("postgresql://", "postgres://")):
            # psycopg 3 is the driver we ship; accept the plain scheme people paste.
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @model_validator(mode="after")
    def _secret_required_outside_dev(self) -> Settings:
        if self.env == "prod" and len(self.secret_key) < 32:
            raise ValueError(
                "TINKO_SECRET_KEY must be set to at least 32 characters when TINKO_ENV=prod"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'tinko.db'}"

    @property
    def rate_limit_table(self) -> dict[str, str]:
        return {**DEFAULT_RATE_LIMITS, **parse_rate_limits(self.rate_limits)}

    @property
    def trusted_proxy_networks(self) -> list[str]:
        return parse_networks(self.trusted_proxies)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def parse_rate_limits(value: str) -> dict[str, str]:
    """`login:10/minute,register:20/hour` → {"login": "10/minute", ...}, validated."""
    table: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, limit = part.partition(":")
        if not sep or name not in DEFAULT_RATE_LIMITS:
            known = ", ".join(DEFAULT_RATE_LIMITS)
            raise ValueError(f"{part!r}: expected name:limit with name one of {known}")
        try:
            parse_rate_limit(limit)
        except ValueError as exc:
            raise ValueError(f"{part!r}: {exc}") from exc
        table[name] = limit
    return table


def parse_networks(value: str) -> list[str]:
    """`10.0.0.1, 172.16.0.0/12` → ["10.0.0.1/32", "172.16.0.0/12"], each checked."""
    networks = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ValueError(f"{part!r} is not an IP address or CIDR network") from None
    return networks


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; raise SettingsError naming the bad variable."""
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    unknown = sorted(
        key
        for key in os.environ
        if key.startswith(ENV_PREFIX) and key not in known and key not in _FOREIGN_VARIABLES
    )
    if unknown:
        raise SettingsError(
            f"unknown setting {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"])
            name = ENV_PREFIX + field.upper() if field else "settings"
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
    return _with_dev_secret(settings)


def _with_dev_secret(settings: Settings) -> Settings:
    """In dev and test a missing secret is generated once and kept under the var dir."""
    if settings.secret_key:
        return settings
    path = settings.var_dir / "secret_key"
    if not path.exists():
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process won the race; read its key below
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return settings.model_copy(update={"secret_key": path.read_text().strip()})
