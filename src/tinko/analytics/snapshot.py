"""The case rows read from the fact snapshot (models.AnalyticsCaseFact), corrected: decision 0016.

`rows` is a SELECT with the columns of `queries.case_rows(detail=True)`, in the same order and
with the same values, made of
- the fact rows of the period's cases not changed since the org's watermark, the columns that
  depend on the instant (provisional, window_closed, hours_observed) worked out from
  `window_end` and `now` by the same expressions `case_rows` uses, and
- `case_rows(detail=True)` now of the cases changed since (their attempts and links grouped for
  them alone), the same correction `rollup.grouped` makes to the rolled-up endpoints.
So the export and the endpoints that need per-case detail (attempts, links, hours) read one
indexed table instead of grouping every attempt and link of the period. When the rollup cannot
serve the scope (no snapshot yet, another time zone, amount filters) it is `case_rows` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, literal, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from tinko.analytics import rollup
from tinko.analytics.models import AnalyticsCaseFact
from tinko.analytics.queries import HOUR, Scope, case_rows, tune
from tinko.analytics.sqltime import epoch_seconds


def rows(session: Session, scope: Scope) -> Select[Any]:
    """The period's case rows (as `case_rows(scope, detail=True)`), from the snapshot when the
    rollup can serve the scope."""
    plan = rollup.plan_for(session, scope)
    if plan.rollup_days is None or plan.since is None:
        return case_rows(scope, detail=True)
    changed = rollup.changed_cases(scope, plan.since)
    names = [c.name for c in case_rows(scope, detail=True).selected_columns]
    f, period = AnalyticsCaseFact, scope.period
    first, last = rollup.day_number(period.first), rollup.day_number(period.last)
    instant = _instant(scope)
    facts = select(
        *[instant[n].label(n) if n in instant else getattr(f, n).label(n) for n in names]
    ).where(
        f.org_id == scope.org_id,
        f.day >= first,
        f.day <= last,
        f.failed_at >= period.start,
        f.failed_at < period.end,
        f.case_id.not_in(changed),
        *rollup.fact_filters(f, scope.filters),
    )
    # OFFSET 0 keeps a caller's WHERE (uplift's `window_closed = 1`) out of this part: pushed
    # in, it made PostgreSQL expect one row and regroup every used link once per changed case.
    inner = case_rows(scope, detail=True, only=changed).offset(0).subquery("changed_rows")
    current = select(*[inner.c[n] for n in names])
    found: Select[Any] = select(facts.union_all(current).subquery("case_rows"))
    return found


def _instant(scope: Scope) -> dict[str, ColumnElement[Any]]:
    """provisional, window_closed and hours_observed of a fact row at `scope.now`: the
    expressions of `case_rows` over the stored window_end, failed_at and hours_to_recover."""
    f, now = AnalyticsCaseFact, scope.now
    observed_until = case(
        (and_(f.window_end.is_not(None), f.window_end < now), epoch_seconds(f.window_end)),
        else_=literal(int(now.timestamp())),
    )
    return {
        "provisional": _flag(or_(f.window_end.is_(None), f.window_end > now)),
        "window_closed": _flag(and_(f.window_end.is_not(None), f.window_end <= now)),
        "hours_observed": case(
            (f.outcome == "recovered", f.hours_to_recover),
            else_=(observed_until - epoch_seconds(f.failed_at)) // HOUR,
        ),
    }


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def grouped(
    session: Session,
    scope: Scope,
    keys: Sequence[str],
    *,
    where: Callable[[Subquery], list[ColumnElement[bool]]] | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> list[Row[Any]]:
    """`queries.grouped(…, detail=True)` over `rows`: count(*), sum(amount) and the `extra`
    (label, column) sums of the case rows grouped by `keys`, computed in the database."""
    tune(session)
    source = rows(session, scope).subquery("rows")
    group = [source.c[k] for k in keys]
    conditions = where(source) if where is not None else []
    sums = [func.sum(source.c[column]).label(label) for label, column in extra]
    statement = (
        select(
            *group,
            func.count().label("cases"),
            func.coalesce(func.sum(source.c.amount), 0).label("amount"),
            *sums,
        )
        .where(*conditions)
        .group_by(*group)
        .order_by(*group)
    )
    return cast(list[Row[Any]], list(session.execute(statement).all()))
