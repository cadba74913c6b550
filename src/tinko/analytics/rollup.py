"""The daily rollup (models.AnalyticsDaily): written by `refresh`, read by `grouped`.

Exactness comes first (decision 0016). The rollup is the fact snapshot
(models.AnalyticsCaseFact) grouped, both written by `refresh` in one unit of work; a read adds:
- for the cases changed at or after the org's watermark (`recovery_case.updated_at`, which
  every writer of a case sets): minus their fact rows, plus their case rows now — so the cost
  follows the changed cases, not their days;
- days with a rollup row whose cases' windows end on both sides of now (its `provisional`
  count depends on the instant) are read from the facts by (org_id, day), not the rollup.
Filters the rollup has no column for (`amount_min`, `amount_max`) read the cases throughout.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from tinko.analytics import facts
from tinko.analytics.definitions import Filters, Period, local_midnight
from tinko.analytics.models import AnalyticsCaseFact, AnalyticsDaily, AnalyticsRollupState
from tinko.analytics.queries import Scope
from tinko.analytics.queries import grouped as case_grouped
from tinko.analytics.sqltime import local_day
from tinko.recovery.models import RecoveryCase

EPOCH: Final = date(1970, 1, 1)
DIMENSIONS: Final = (
    "currency",
    "gateway",
    "rail",
    "country",
    "category",
    "language",
    "policy_id",
    "rule_id",
    "holdout",
    "outcome",
    "recovered_by",
)
# A unit of work still open when a refresh reads may commit a change stamped a little before
# the refresh began: the watermark stays this far behind, so such a change still counts.
MARGIN: Final = timedelta(minutes=10)
_PROVISIONAL: Final = (("provisional", "provisional"),)


@dataclass(frozen=True)
class Plan:
    """Which days of the period the rollup serves; `None`: none (read the cases)."""

    rollup_days: frozenset[int] | None
    fact_days: tuple[tuple[int, int], ...]  # runs of days read from the facts (inclusive)
    since: datetime | None = None  # the cases changed since are corrected case by case


CASE_LEVEL: Final = Plan(None, ())


def servable(filters: Filters) -> bool:
    return filters.amount_min is None and filters.amount_max is None


def plan_for(session: Session, scope: Scope) -> Plan:
    """Split the period into days the rollup holds exactly and days to read from the cases."""
    if not servable(scope.filters):
        return CASE_LEVEL
    state = session.get(AnalyticsRollupState, scope.org_id)
    if state is None or state.timezone != scope.period.timezone:
        return CASE_LEVEL
    first, last = day_number(scope.period.first), day_number(scope.period.last)
    stale = _straddling_days(session, scope.org_id, first, last, scope.now)
    days = frozenset(range(first, last + 1)) - stale
    return Plan(days, tuple(_runs(sorted(stale))), state.watermark)


def grouped(
    session: Session,
    scope: Scope,
    keys: Sequence[str],
    *,
    outcome: str | None = None,
    plan: Plan | None = None,
) -> list[Any]:
    """count, sum(amount) and sum(provisional) of the case rows grouped by `keys` (a subset of
    `day` and DIMENSIONS), optionally of one outcome: the same rows as `queries.grouped`."""
    plan = plan if plan is not None else plan_for(session, scope)
    where: Callable[[Any], list[ColumnElement[bool]]] | None = (
        (lambda r: [r.c.outcome == outcome]) if outcome is not None else None
    )
    if plan.rollup_days is None:
        rows = case_grouped(session, scope, keys, extra=_PROVISIONAL, where=where)
        return _merge(keys, [(1, rows)])
    parts: list[tuple[int, Iterable[Any]]] = [
        (1, _rollup_rows(session, scope, keys, outcome, plan))
    ]
    for first, last in plan.fact_days:
        parts.append((1, _fact_rows(session, scope, keys, outcome, (first, last))))
    if plan.since is not None:
        # Cases changed since the snapshot: out with their fact rows, in with their case rows.
        changed = changed_cases(scope, plan.since)
        first, last = day_number(scope.period.first), day_number(scope.period.last)
        parts.append((-1, _fact_rows(session, scope, keys, outcome, (first, last), changed)))

        def current(rows: Any) -> list[ColumnElement[bool]]:
            return [*(where(rows) if where is not None else []), rows.c.case_id.in_(changed)]

        parts.append((1, case_grouped(session, scope, keys, extra=_PROVISIONAL, where=current)))
    return _merge(keys, parts)


def _fact_rows(
    session: Session,
    scope: Scope,
    keys: Sequence[str],
    outcome: str | None,
    days: tuple[int, int],
    only: Any = None,
) -> Iterable[Any]:
    """The fact rows of the days (of the cases `only` selects) grouped like the rollup's."""
    f = AnalyticsCaseFact
    group = [getattr(f, key) for key in keys]
    conditions = [f.org_id == scope.org_id, f.day >= days[0], f.day <= days[1]]
    conditions.extend(fact_filters(f, scope.filters))
    if only is not None:
        conditions.append(f.case_id.in_(only))
    if outcome is not None:
        conditions.append(f.outcome == outcome)
    open_now = or_(f.window_end.is_(None), f.window_end > scope.now)
    statement = (
        select(
            *group,
            func.count().label("cases"),
            func.coalesce(func.sum(f.amount), 0).label("amount"),
            func.sum(case((open_now, 1), else_=0)).label("provisional"),
        )
        .where(*conditions)
        .group_by(*group)
    )
    return session.execute(statement).all()


def changed_cases(scope: Scope, since: datetime) -> Any:
    """The ids of the period's cases changed at or after `since` (a subquery)."""
    c, period = RecoveryCase, scope.period
    return select(c.id).where(
        c.org_id == scope.org_id,
        c.updated_at >= since,
        c.failed_at >= period.start,
        c.failed_at < period.end,
    )


def _rollup_rows(
    session: Session, scope: Scope, keys: Sequence[str], outcome: str | None, plan: Plan
) -> Iterable[Any]:
    r = AnalyticsDaily
    if not plan.rollup_days:
        return []
    group = [getattr(r, key) for key in keys]
    open_now = or_(r.windowless == 1, r.window_end_min > scope.now)
    conditions = [
        r.org_id == scope.org_id,
        r.day >= min(plan.rollup_days),
        r.day <= max(plan.rollup_days),
        *fact_filters(r, scope.filters),
    ]
    stale = [day for first, last in plan.fact_days for day in range(first, last + 1)]
    if stale:
        conditions.append(r.day.not_in(stale))
    if outcome is not None:
        conditions.append(r.outcome == outcome)
    statement = (
        select(
            *group,
            func.sum(r.cases).label("cases"),
            func.sum(r.amount).label("amount"),
            func.sum(case((open_now, r.cases), else_=0)).label("provisional"),
        )
        .where(*conditions)
        .group_by(*group)
    )
    return session.execute(statement).all()


def fact_filters(r: Any, filters: Filters) -> list[ColumnElement[bool]]:
    """The filters on the rollup's or the facts' columns (named alike)."""
    found: list[ColumnElement[bool]] = []
    for name in ("gateway", "category", "rail", "currency", "country", "policy_id", "rule_id"):
        value = getattr(filters, name)
        if value is not None:
            found.append(getattr(r, name) == value)
    if filters.arm != "all":
        found.append(r.holdout == (1 if filters.arm == "holdout" else 0))
    return found


def _merge(keys: Sequence[str], parts: Iterable[tuple[int, Iterable[Any]]]) -> list[Any]:
    """Add (sign 1) or take away (-1) the groups of several reads by key, as rows with the same
    attribute names; groups left with no case are dropped, as a case-level read has none."""
    totals: dict[tuple[Any, ...], list[int]] = {}
    for sign, rows in parts:
        for row in rows:
            key = tuple(int(v) if k == "day" else v for k, v in zip(keys, row, strict=False))
            found = totals.setdefault(key, [0, 0, 0])
            found[0] += sign * int(row.cases or 0)
            found[1] += sign * int(row.amount or 0)
            found[2] += sign * int(row.provisional or 0)
    shape = _shape(tuple(keys))
    kept = sorted((item for item in totals.items() if item[1][0]), key=_order)
    return [shape(*key, *sums) for key, sums in kept]


def _order(item: tuple[tuple[Any, ...], list[int]]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is None, "" if value is None else value) for value in item[0])


_SHAPES: dict[tuple[str, ...], Any] = {}


def _shape(keys: tuple[str, ...]) -> Any:
    if keys not in _SHAPES:
        _SHAPES[keys] = namedtuple("GroupRow", [*keys, "cases", "amount", "provisional"])
    return _SHAPES[keys]


def day_number(day: date) -> int:
    return (day - EPOCH).days


def _period(first: int, last: int, timezone: str) -> Period:
    zone = ZoneInfo(timezone)
    start, end = EPOCH + timedelta(days=first), EPOCH + timedelta(days=last)
    return Period(
        "custom",
        start,
        end,
        timezone,
        local_midnight(start, zone),
        local_midnight(end + timedelta(days=1), zone),
    )


def _runs(days: Sequence[int]) -> Iterable[tuple[int, int]]:
    """[3, 4, 5, 9] → (3, 5), (9, 9)."""
    start = previous = None
    for day in days:
        if previous is not None and day == previous + 1:
            previous = day
            continue
        if start is not None and previous is not None:
            yield start, previous
        start = previous = day
    if start is not None and previous is not None:
        yield start, previous


def _straddling_days(
    session: Session, org_id: str, first: int, last: int, now: datetime
) -> set[int]:
    """Days with a rollup row whose cases' windows end both before and after now."""
    r = AnalyticsDaily
    statement = (
        select(r.day)
        .distinct()
        .where(
            r.org_id == org_id,
            r.day >= first,
            r.day <= last,
            r.windowless == 0,
            r.window_end_min <= now,
            r.window_end_max > now,
        )
    )
    return {int(found) for found in session.scalars(statement)}


def refresh(session: Session, org_id: str, timezone: str, now: datetime) -> int:
    """Rebuild the days whose cases changed since the last refresh (every day the first time,
    or when the org's time zone changed); returns how many days were rewritten. Flushes only."""
    state = session.get(AnalyticsRollupState, org_id, with_for_update=True)
    c = RecoveryCase
    if state is None or state.timezone != timezone:
        session.execute(delete(AnalyticsDaily).where(AnalyticsDaily.org_id == org_id))
        facts.clear(session, org_id)
        since = None
    else:
        since = state.watermark
    changed = [c.org_id == org_id, c.failed_at.is_not(None)]
    if since is not None:
        changed.append(c.updated_at >= since)
    low, high = session.execute(
        select(func.min(c.failed_at), func.max(c.failed_at)).where(*changed)
    ).one()
    rewritten = 0
    if low is not None and high is not None:
        span = _period_between(low, high, timezone)
        facts.refresh(session, org_id, span, now, since)
        if since is None:
            days = list(range(day_number(span.first), day_number(span.last) + 1))
        else:
            day = local_day(c.failed_at, timezone, span.start, span.end)
            days = sorted(int(d) for d in session.scalars(select(day).distinct().where(*changed)))
        for first, last in _runs(days):
            _rewrite(session, org_id, _period(first, last, timezone), now)
            rewritten += last - first + 1
    if state is None:
        state = AnalyticsRollupState(
            org_id=org_id, timezone=timezone, watermark=now, refreshed_at=now
        )
        session.add(state)
    state.timezone, state.watermark, state.refreshed_at = timezone, now - MARGIN, now
    session.flush()
    return rewritten


def _period_between(low: datetime, high: datetime, timezone: str) -> Period:
    zone = ZoneInfo(timezone)
    return _period(
        day_number(low.astimezone(zone).date()), day_number(high.astimezone(zone).date()), timezone
    )


def _rewrite(session: Session, org_id: str, period: Period, now: datetime) -> None:
    """Replace the rollup rows of the period's days with the cases grouped, in one statement."""
    r = AnalyticsDaily
    first, last = day_number(period.first), day_number(period.last)
    session.execute(delete(r).where(r.org_id == org_id, r.day >= first, r.day <= last))
    f = AnalyticsCaseFact  # just written: the rollup is the facts grouped, exactly
    windowless = case((f.window_end.is_(None), 1), else_=0)
    group = [f.day, *(getattr(f, name) for name in DIMENSIONS), windowless]
    statement = (
        select(
            literal(org_id),
            *group,
            func.count(),
            func.coalesce(func.sum(f.amount), 0),
            func.min(f.window_end),
            func.max(f.window_end),
        )
        .where(f.org_id == org_id, f.day >= first, f.day <= last)
        .group_by(*group)
    )
    names = ["org_id", "day", *DIMENSIONS, "windowless", "cases", "amount"]
    session.execute(insert(r).from_select([*names, "window_end_min", "window_end_max"], statement))
