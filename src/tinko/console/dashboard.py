"""The dashboard's figures: the analytics reports, called directly (not over HTTP), for the
period asked (7, 30 or 90 days, or from/to) in the organisation's time zone.

KPI cards are per currency (money is never summed across currencies); the charts are for one
currency at a time (`?currency=`, default: the one with the most failed payments).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import Session

from tinko.analytics import report
from tinko.analytics.definitions import RECOVERED_BY, Filters, Period, parse_period
from tinko.analytics.queries import Scope, grouped, integer
from tinko.console import charts
from tinko.console.charts import Chart
from tinko.errors import Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.money import minor_unit_exponent
from tinko.tenancy.models import Organization

Json = dict[str, Any]
PERIODS: Final = ("7d", "30d", "90d")
REFRESH_CHOICES: Final = (0, 30, 60)


@dataclass(frozen=True)
class Asked:
    """What the dashboard's period form asked for (as text, checked here)."""

    period: str = ""
    first: str = ""
    last: str = ""
    currency: str = ""


@dataclass(frozen=True)
class Kpis:
    currency: str
    totals: Json  # summary's by_currency entry
    exponent: int


@dataclass(frozen=True)
class Uplift:
    ready: bool
    points: float | None
    low: float | None
    high: float | None
    treated: int
    holdout: int


@dataclass(frozen=True)
class Dashboard:
    period: Period
    choice: str  # 7d | 30d | 90d | custom
    kpis: list[Kpis]
    currency: str | None
    currencies: list[str]
    charts: list[Chart] = field(default_factory=list)
    uplift: Uplift | None = None
    error: str | None = None  # the period field that was wrong (from | to | period)
    holdout_percent: int = 0

    @property
    def empty(self) -> bool:
        return not self.kpis


def _period(org: Organization, clock: Clock, asked: Asked) -> tuple[Period, str, str | None]:
    """The period asked for, or the last 30 days and the name of the wrong field."""
    now = clock.now()
    try:
        if asked.first or asked.last:
            return parse_period(None, asked.first, asked.last, org.timezone, now), "custom", None
        choice = asked.period if asked.period in PERIODS else "30d"
        return parse_period(choice, None, None, org.timezone, now), choice, None
    except Unprocessable as exc:
        field_name = str(exc.errors[0]["loc"][-1]) if exc.errors else "period"
        return parse_period("30d", None, None, org.timezone, now), "30d", field_name


def recovered_by_day(session: Session, scope: Scope) -> list[Json]:
    """Amount recovered per cohort day and way of recovery, and whether the day is
    provisional (the timeseries' definition), for the scope's one currency."""
    series = report.timeseries(session, scope)["data"]
    rows = grouped(
        session,
        scope,
        ("day", "recovered_by"),
        where=lambda r: [r.c.outcome == "recovered"],
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        day = date.fromordinal(report.EPOCH.toordinal() + int(row.day)).isoformat()
        found.setdefault(day, {})[row.recovered_by] = integer(row.amount)
    days = []
    for entry in series:
        totals = entry["by_currency"].get(scope.filters.currency or "", {})
        by = found.get(entry["date"], {})
        days.append(
            {
                "date": entry["date"],
                "by": {how: by.get(how, 0) for how in RECOVERED_BY},
                "provisional": bool(totals.get("provisional")),
            }
        )
    return days


def _uplift(session: Session, scope: Scope) -> Uplift:
    overall = report.uplift_report(session, scope)["overall"]
    interval = overall["ci95_pp"] or [None, None]
    return Uplift(
        ready=overall["status"] == "ready",
        points=overall["uplift_pp"],
        low=interval[0],
        high=interval[1],
        treated=int(overall["treated"]["settled"]),
        holdout=int(overall["holdout"]["settled"]),
    )


def build(session: Session, clock: Clock, org: Organization, asked: Asked) -> Dashboard:
    period, choice, error = _period(org, clock, asked)
    scope = Scope(org.id, period, Filters(), clock.now())
    summary = report.summary(session, scope)["by_currency"]
    kpis = [
        Kpis(code, totals, minor_unit_exponent(code))
        for code, totals in sorted(summary.items(), key=lambda kv: -kv[1]["failed_count"])
    ]
    currencies = [k.currency for k in kpis]
    currency = (
        asked.currency if asked.currency in currencies else (currencies[0] if currencies else None)
    )
    uplift = _uplift(session, scope) if org.holdout_percent > 0 and kpis else None
    dashboard = Dashboard(
        period, choice, kpis, currency, currencies, [], uplift, error, org.holdout_percent
    )
    if currency is None:
        return dashboard
    one = Scope(org.id, period, Filters(currency=currency), scope.now)
    built = [
        charts.recovered_over_time(recovered_by_day(session, one), currency),
        charts.by_category(report.breakdown(session, one, "category", "category"), currency),
        charts.by_channel(report.attempts_by_channel(session, one), currency),
        charts.by_rail(report.breakdown(session, one, "rail", "rail"), currency),
        charts.by_attempt(report.by_attempt(session, one), currency),
        charts.time_to_recover(report.time_to_recover(session, one), currency),
    ]
    return replace(dashboard, charts=built)
