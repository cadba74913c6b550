"""The demo organisation: created once, its credentials kept under the var dir for later runs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from tinko.auth.members import create_api_key
from tinko.auth.models import User
from tinko.auth.service import register
from tinko.config import Settings
from tinko.db import make_engine, make_session_factory, unit_of_work
from tinko.kit.clock import Clock, SystemClock
from tinko.simulate.history import HistoryReport, fill_history

# A deliverable-looking address: mail validators refuse special-use names such as `.local`.
DEMO_EMAIL = "owner@demo.example.com"
# The demo measures its uplift: 5 % of its customers get no retries and no messages.
DEMO_HOLDOUT_PERCENT = 5


@dataclass(frozen=True)
class DemoCredentials:
    email: str
    password: str
    api_key: str | None


def ensure_demo_org(settings: Settings, *, password: str) -> DemoCredentials:
    saved = settings.var_dir / "demo.json"
    engine = make_engine(settings.resolved_database_url)
    clock = SystemClock()
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            exists = session.scalars(select(User.id).where(User.email == DEMO_EMAIL)).first()
            if exists and saved.exists():
                data = json.loads(saved.read_text())
                return DemoCredentials(data["email"], data["password"], data.get("api_key"))
            if exists:
                raise SystemExit(
                    f"{DEMO_EMAIL} exists but {saved} is gone; remove var/ to start over"
                )
            demo_password = f"Demo-{password}"
            result = register(
                session,
                clock,
                settings,
                email=DEMO_EMAIL,
                password=demo_password,
                org_name="Demo Store",
                name="Demo Owner",
            )
            result.org.timezone = "Asia/Kolkata"
            result.org.default_currency = "INR"
            result.org.locale = "en-IN"
            result.org.holdout_percent = DEMO_HOLDOUT_PERCENT
            _, raw_key = create_api_key(
                session, clock, result.org.id, name="demo", role="admin", created_by=result.user.id
            )
    finally:
        engine.dispose()
    credentials = DemoCredentials(DEMO_EMAIL, demo_password, raw_key)
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(credentials.__dict__))
    saved.chmod(0o600)
    return credentials


def ensure_demo_history(
    settings: Settings, clock: Clock | None = None, *, failures: int | None = None
) -> HistoryReport:
    """90 days of simulated failures and recoveries for the demo organisation, written once
    (a later run finds them and writes nothing), so the console has history at first start."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            org_id = session.scalars(select(User.org_id).where(User.email == DEMO_EMAIL)).first()
            if org_id is None:
                raise SystemExit(f"{DEMO_EMAIL} does not exist; create the demo organisation first")
            return fill_history(
                session, clock or SystemClock(), settings, org_id, failures=failures
            )
    finally:
        engine.dispose()
