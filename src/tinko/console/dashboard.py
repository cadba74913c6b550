"""The dashboard's figures: the analytics reports, called directly (not over HTTP), for the
period asked (7, 30 or 90 days, or from/to) in the organisation's time zone.

KPI cards are per currency (money is never summed across currencies); the charts are for one
currency at a time (`?currency=`, default: the one with the most failed payments).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

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
    """Amount recovered per cohort day and way of recovery, and whether the day is provisional
    (a case still inside its window), for the scope's one currency: one grouped query."""
    rows = grouped(session, scope, ("day", "recovered_by"), extra=(("provisional", "provisional"),))
    found: dict[int, dict[str, int]] = {}
    provisional: set[int] = set()
    for row in rows:
        day = int(row.day)
        if row.recovered_by is not None:
            found.setdefault(day, {})[row.recovered_by] = integer(row.amount)
        if integer(row.provisional):
            provisional.add(day)
    if not rows:
        return []
    days = []
    for offset in range(scope.period.days):
        local_day = scope.period.first + timedelta(days=offset)
        number = (local_day - report.EPOCH).days
        by = found.get(number, {})
        days.append(
            {
                "date": local_day.isoformat(),
                "by": {how: by.get(how, 0) for how in RECOVERED_BY},
                "provisional": number in provisional,
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


def _read(factory: sessionmaker[Session], build: Callable[[Session], Any]) -> Any:
    with factory() as session:
        return build(session)


def build(
    factory: sessionmaker[Session], clock: Clock, org: Organization, asked: Asked
) -> Dashboard:
    """The reports run side by side, each on its own read-only session: the database does the
    work (SQLite releases the GIL while it steps), so the page waits for the slowest, not the
    sum."""
    period, choice, error = _period(org, clock, asked)
    scope = Scope(org.id, period, Filters(), clock.now())
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        summary_job = pool.submit(_read, factory, lambda s: report.summary(s, scope))
        uplift_job = (
            pool.submit(_read, factory, lambda s: _uplift(s, scope))
            if org.holdout_percent > 0
            else None
        )
        summary = summary_job.result()["by_currency"]
        kpis = [
            Kpis(code, totals, minor_unit_exponent(code))
            for code, totals in sorted(summary.items(), key=lambda kv: -kv[1]["failed_count"])
        ]
        currencies = [k.currency for k in kpis]
        currency = (
            asked.currency
            if asked.currency in currencies
            else (currencies[0] if currencies else None)
        )
        built: list[Chart] = []
        if currency is not None:
            one = Scope(org.id, period, Filters(currency=currency), scope.now)
            jobs = [pool.submit(_read, factory, _bound(make, one)) for make in _CHARTS]
            built = [job.result() for job in jobs]
        uplift = uplift_job.result() if uplift_job is not None and kpis else None
    return Dashboard(
        period, choice, kpis, currency, currencies, built, uplift, error, org.holdout_percent
    )


_WORKERS: Final = 4


def _bound(make: Callable[[Session, Scope], Chart], scope: Scope) -> Callable[[Session], Chart]:
    def run(session: Session) -> Chart:
        return make(session, scope)

    return run


def _cur(scope: Scope) -> str:
    return scope.filters.currency or ""


def _over_time(session: Session, scope: Scope) -> Chart:
    return charts.recovered_over_time(recovered_by_day(session, scope), _cur(scope))


def _category(session: Session, scope: Scope) -> Chart:
    return charts.by_category(report.breakdown(session, scope, "category", "category"), _cur(scope))


def _channel(session: Session, scope: Scope) -> Chart:
    return charts.by_channel(report.attempts_by_channel(session, scope), _cur(scope))


def _rail(session: Session, scope: Scope) -> Chart:
    return charts.by_rail(report.breakdown(session, scope, "rail", "rail"), _cur(scope))


def _attempt(session: Session, scope: Scope) -> Chart:
    return charts.by_attempt(report.by_attempt(session, scope), _cur(scope))


def _time(session: Session, scope: Scope) -> Chart:
    return charts.time_to_recover(report.time_to_recover(session, scope), _cur(scope))


_CHARTS: Final[tuple[Callable[[Session, Scope], Chart], ...]] = (
    _over_time,
    _category,
    _channel,
    _rail,
    _attempt,
    _time,
)
