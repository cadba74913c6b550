"""Each analytics endpoint's numbers: grouped counts from the database (queries.grouped),
shaped here. Python only reshapes a handful of groups; it never loops over cases."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tinko.analytics import rollup, snapshot
from tinko.analytics.definitions import (
    CHANNELS,
    COHORT_DAYS,
    RECOVERED_BY,
    Filters,
    definition,
    rate,
)
from tinko.analytics.queries import Scope, integer
from tinko.analytics.rollup import Plan
from tinko.analytics.survival import kaplan_meier, median_hours
from tinko.analytics.uplift import RULE, Arm, uplift

EPOCH = date(1970, 1, 1)
Json = dict[str, Any]


def envelope(scope: Scope, **extra_definition: str) -> Json:
    period = scope.period
    return {
        "period": period.label,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "timezone": period.timezone,
        "filters": scope.filters.as_dict(),
        "definition": definition(**extra_definition),
    }


def _empty() -> Json:
    return {
        "failed_count": 0,
        "failed_amount": 0,
        "recovered_count": 0,
        "recovered_amount": 0,
        "lost_count": 0,
        "lost_amount": 0,
        "in_progress_count": 0,
        "in_progress_amount": 0,
        "provisional_count": 0,
    }


def _add(totals: Json, outcome: str, count: int, amount: int, provisional: int) -> None:
    name = "in_progress" if outcome == "open" else outcome
    totals["failed_count"] += count
    totals["failed_amount"] += amount
    totals[f"{name}_count"] += count
    totals[f"{name}_amount"] += amount
    totals["provisional_count"] += provisional


def _finish(totals: Json) -> Json:
    totals["recovery_rate_count"] = rate(totals["recovered_count"], totals["failed_count"])
    totals["recovery_rate_amount"] = rate(totals["recovered_amount"], totals["failed_amount"])
    closed = totals["recovered_count"] + totals["lost_count"]
    totals["closed_recovery_rate_count"] = rate(totals["recovered_count"], closed)
    totals["provisional"] = totals["provisional_count"] > 0
    return totals


def by_currency(rows: Iterable[Any]) -> dict[str, Json]:
    """Rows with (…, currency, outcome, count, amount, provisional) → totals per currency."""
    found: dict[str, Json] = {}
    for row in rows:
        totals = found.setdefault(row.currency, _empty())
        _add(totals, row.outcome, row.cases, integer(row.amount), integer(row.provisional))
    return {currency: _finish(totals) for currency, totals in sorted(found.items())}


_OUTCOME_KEYS = ("currency", "outcome")
_PROVISIONAL = (("provisional", "provisional"),)


def summary(session: Session, scope: Scope, plan: Plan | None = None) -> Json:
    rows = rollup.grouped(session, scope, _OUTCOME_KEYS, plan=plan)
    return {**envelope(scope), "by_currency": by_currency(rows)}


def recovery_rate(session: Session, scope: Scope, plan: Plan | None = None) -> Json:
    return rates_of(scope, summary(session, scope, plan))


def rates_of(scope: Scope, summary_body: Json) -> Json:
    """The recovery_rate body from a summary body of the same scope."""
    totals = summary_body["by_currency"]
    keep = (
        "failed_count",
        "recovered_count",
        "recovery_rate_count",
        "recovery_rate_amount",
        "closed_recovery_rate_count",
        "provisional",
    )
    return {
        **envelope(
            scope,
            closed_recovery_rate_count="recovered / (recovered + lost): open cases left out",
        ),
        "by_currency": {cur: {k: t[k] for k in keep} for cur, t in totals.items()},
    }


def revenue_recovered(session: Session, scope: Scope, plan: Plan | None = None) -> Json:
    keys = ("currency", "recovered_by")
    rows = rollup.grouped(session, scope, keys, outcome="recovered", plan=plan)
    found: dict[str, Json] = {}
    for row in rows:
        entry = found.setdefault(
            row.currency, {"recovered_amount": 0, "recovered_count": 0, "by": {}}
        )
        entry["recovered_amount"] += integer(row.amount)
        entry["recovered_count"] += row.cases
        entry["by"][row.recovered_by] = {"count": row.cases, "amount": integer(row.amount)}
    for entry in found.values():
        for how in RECOVERED_BY:
            entry["by"].setdefault(how, {"count": 0, "amount": 0})
    return {**envelope(scope), "by_currency": dict(sorted(found.items()))}


def breakdown(
    session: Session, scope: Scope, key: str, name: str, plan: Plan | None = None
) -> Json:
    """Outcomes per currency for each value of one case column (category, rail, language)."""
    rows = rollup.grouped(session, scope, (key, *_OUTCOME_KEYS), plan=plan)
    values: dict[str, list[Any]] = {}
    for row in rows:
        values.setdefault(getattr(row, key), []).append(row)
    data = [
        {name: value, "by_currency": by_currency(group)}
        for value, group in sorted(values.items(), key=lambda item: str(item[0]))
    ]
    return {**envelope(scope), "data": data}


def timeseries(session: Session, scope: Scope, plan: Plan | None = None) -> Json:
    rows = rollup.grouped(session, scope, ("day", *_OUTCOME_KEYS), plan=plan)
    days: dict[int, list[Any]] = {}
    for row in rows:
        days.setdefault(int(row.day), []).append(row)
    currencies = sorted({row.currency for row in rows})
    series = []
    if currencies:  # an org with no cases in the period gets an empty series
        for offset in range(scope.period.days):
            day = scope.period.first + timedelta(days=offset)
            totals = by_currency(days.get((day - EPOCH).days, []))
            for currency in currencies:
                totals.setdefault(currency, _finish(_empty()))
            series.append({"date": day.isoformat(), "by_currency": totals})
    return {
        **envelope(scope, date="the cohort: the local day of the first failure"),
        "data": series,
    }


def attempts_by_channel(session: Session, scope: Scope) -> Json:
    extra = (
        ("retry", "retries"),
        ("email", "email_sent"),
        ("sms", "sms_sent"),
        ("whatsapp", "whatsapp_sent"),
    )
    rows = snapshot.grouped(session, scope, ("recovered_by", "link_channel"), extra=extra)
    data = []
    for channel in CHANNELS:
        attempts = sum(integer(getattr(row, channel)) for row in rows)
        if channel == "retry":
            recovered = sum(row.cases for row in rows if row.recovered_by == "psp_retry")
        else:
            recovered = sum(
                row.cases
                for row in rows
                if row.recovered_by == "payer_link" and row.link_channel == channel
            )
        data.append(
            {
                "channel": channel,
                "attempts": attempts,
                "recovered_count": recovered,
                "recovered_per_attempt": rate(recovered, attempts),
            }
        )
    return {
        **envelope(
            scope,
            attempts="retries that reached the PSP; messages sent",
            recovered_count="cases paid by that retry, or through a link sent on that channel",
        ),
        "data": data,
    }


def by_attempt(session: Session, scope: Scope) -> Json:
    rows = snapshot.grouped(session, scope, ("retries", "retry_succeeded"))
    most = max((int(row.retries) for row in rows), default=0)
    data = []
    for n in range(1, most + 1):
        tried = sum(row.cases for row in rows if int(row.retries) >= n)
        succeeded = sum(
            row.cases for row in rows if int(row.retries) == n and int(row.retry_succeeded)
        )
        data.append(
            {"attempt": n, "tried": tried, "succeeded": succeeded, "rate": rate(succeeded, tried)}
        )
    return {
        **envelope(scope, attempt="the n-th silent retry of a case that reached the PSP"),
        "data": data,
    }


def time_to_recover(session: Session, scope: Scope) -> Json:
    rows = snapshot.grouped(session, scope, ("hours_observed", "outcome"))
    groups = [
        (
            int(row.hours_observed),
            row.cases if row.outcome == "recovered" else 0,
            0 if row.outcome == "recovered" else row.cases,
        )
        for row in rows
    ]
    steps = kaplan_meier(groups)
    return {
        **envelope(
            scope,
            curve=(
                "Kaplan-Meier: share recovered by each hour after the first failure; open "
                "cases censored now, lost ones at the end of their window"
            ),
        ),
        "cases": sum(row.cases for row in rows),
        "median_hours": median_hours(steps),
        "data": [
            {
                "hours": s.hours,
                "at_risk": s.at_risk,
                "recovered": s.recovered,
                "censored": s.censored,
                "recovered_share": s.recovered_share,
            }
            for s in steps
        ],
    }


def cohort_start(day: date, grain: str) -> date:
    if grain == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())  # ISO weeks start on Monday


def cohorts(session: Session, scope: Scope, grain: str) -> Json:
    rows = snapshot.grouped(session, scope, ("day", "days_to_recover"), extra=_PROVISIONAL)
    found: dict[date, Json] = {}
    last_day: dict[date, date] = {}
    for row in rows:
        day = EPOCH + timedelta(days=int(row.day))
        start = cohort_start(day, grain)
        cohort = found.setdefault(start, {"size": 0, "provisional_count": 0, "recovered": {}})
        cohort["size"] += row.cases
        cohort["provisional_count"] += integer(row.provisional)
        if row.days_to_recover is not None:
            days = int(row.days_to_recover)
            cohort["recovered"][days] = cohort["recovered"].get(days, 0) + row.cases
        last_day[start] = max(day, last_day.get(start, day))
    today = scope.now.astimezone(_zone(scope)).date()
    data = []
    for start, cohort in sorted(found.items()):
        cells: dict[str, float | None] = {}
        for d in COHORT_DAYS:
            if (today - last_day[start]).days < d:
                cells[str(d)] = None  # its youngest case is not d days old yet
                continue
            within = sum(n for days, n in cohort["recovered"].items() if days < d)
            cells[str(d)] = rate(within, cohort["size"])
        data.append(
            {
                "cohort": start.isoformat(),
                "size": cohort["size"],
                "provisional": cohort["provisional_count"] > 0,
                "recovered_share_by_day": cells,
            }
        )
    return {
        **envelope(
            scope,
            cohort_table=(
                f"{grain} of first failure x days since: share of the cohort's cases recovered "
                "within d days (by count); null until its youngest case is d days old"
            ),
        ),
        "grain": grain,
        "days": list(COHORT_DAYS),
        "data": data,
    }


def _zone(scope: Scope) -> ZoneInfo:
    return ZoneInfo(scope.period.timezone)


SEGMENTS = (("category", "category"), ("rail", "rail"), ("channel", "contact"))


def uplift_report(session: Session, scope: Scope) -> Json:
    both = Scope(scope.org_id, scope.period, _all_arms(scope), scope.now)
    rows = snapshot.grouped(
        session,
        both,
        ("category", "rail", "contact", "holdout", "recovered_in_window"),
        where=lambda r: [r.c.window_closed == 1],
    )

    def arms(match: Any) -> Json:
        counts = {(0, 0): 0, (0, 1): 0, (1, 0): 0, (1, 1): 0}
        for row in rows:
            if match(row):
                counts[(int(row.holdout), int(row.recovered_in_window))] += row.cases
        treated = Arm(counts[(0, 0)] + counts[(0, 1)], counts[(0, 1)])
        holdout = Arm(counts[(1, 0)] + counts[(1, 1)], counts[(1, 1)])
        return uplift(treated, holdout)

    segments: Json = {"overall": arms(lambda row: True)}
    for name, column in SEGMENTS:
        values = sorted({getattr(row, column) for row in rows})
        segments[name] = [
            {name: value, **arms(lambda row, c=column, v=value: getattr(row, c) == v)}
            for value in values
        ]
    return {
        **envelope(
            scope,
            uplift=(
                "treated recovery rate - holdout recovery rate, in percentage points, over "
                "cases whose window has ended, recovered within the window; 95 % interval by "
                "Newcombe's hybrid score method"
            ),
            readiness=RULE,
            channel_segment="how the customer can be reached (email, phone, both, none)",
        ),
        **segments,
    }


def _all_arms(scope: Scope) -> Filters:
    return replace(scope.filters, arm="all")
