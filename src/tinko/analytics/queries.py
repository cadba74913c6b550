"""The one case-level query every number is made of, and grouped counts over it.

`case_rows` is a SELECT of one row per case with everything analytics reads (its cohort day,
outcome, amount, rail, …), always filtered by organisation. The endpoints group it in the
database (`grouped`); the export streams it as it is. Both read the same expressions, so the
export adds up to every endpoint's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from tinko.analytics.definitions import DEFAULT_POLICY, Filters, Period
from tinko.analytics.sqltime import epoch_seconds, local_day
from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase, RecoveryLink

HOUR = 3600
DAY = 86_400
LOST_STATUSES = ("exhausted", "cancelled", "expired")


@dataclass(frozen=True)
class Scope:
    org_id: str
    period: Period
    filters: Filters
    now: datetime


def tune(session: Session) -> None:
    """Planner settings for analytics reads on PostgreSQL, for this transaction only.

    - `random_page_cost` 1.1 (default 4, a spinning disk): the cases are in memory or on SSD.
      With 4, a one-day read joined each of 1 M transactions by a sequential scan instead of
      looking up its ~10 000 by key.
    - `jit` off: compiling the grouped reads cost more (0.5 s) than running them.
    - `work_mem` 64 MB: the per-case groups and the export's sort stay in memory.
    https://www.postgresql.org/docs/current/runtime-config-query.html
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(
                func.set_config("random_page_cost", "1.1", True),
                func.set_config("jit", "off", True),
                func.set_config("work_mem", "64MB", True),
            )
        )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """A 0/1 integer: sums the same on both databases and reads the same in CSV."""
    return case((condition, 1), else_=0)


def case_rows(scope: Scope, *, detail: bool = False, only: Any = None) -> Select[Any]:
    """One row per case of the org whose first failure is in the period, filtered; with `only`
    (a subquery of case ids), of those cases alone, their attempts and links grouped for
    them alone (so the cost follows those cases, not the period's)."""
    c, t = RecoveryCase, Transaction
    period, now = scope.period, scope.now
    now_epoch = int(now.timestamp())
    failed = epoch_seconds(c.failed_at)
    recovered = c.status == "recovered"
    observed_until = case(
        (and_(c.expires_at.is_not(None), c.expires_at < now), epoch_seconds(c.expires_at)),
        else_=literal(now_epoch),
    )
    columns: list[Any] = [
        c.id.label("case_id"),
        t.transaction_ref.label("transaction_ref"),
        c.failed_at.label("failed_at"),
        local_day(c.failed_at, period.timezone, period.start, period.end).label("day"),
        t.currency.label("currency"),
        t.amount_minor.label("amount"),
        t.gateway.label("gateway"),
        func.coalesce(t.payment_method_type, "unknown").label("rail"),
        func.coalesce(t.country, "").label("country"),
        c.category.label("category"),
        c.decline_type.label("decline_type"),
        case(
            (t.customer_locale.is_(None), "unknown"),
            else_=func.lower(func.substr(t.customer_locale, 1, 2)),
        ).label("language"),
        _contact(t).label("contact"),
        func.coalesce(c.policy_id, DEFAULT_POLICY).label("policy_id"),
        c.rule_id.label("rule_id"),
        c.rule_version.label("rule_version"),
        _flag(c.holdout.is_(True)).label("holdout"),
        c.status.label("status"),
        case((recovered, "recovered"), (c.status.in_(LOST_STATUSES), "lost"), else_="open").label(
            "outcome"
        ),
        case(
            (recovered, None),
            (c.holdout.is_(True), "holdout"),
            (c.status == "cancelled", "cancelled"),
            (c.status == "expired", "expired"),
            (and_(c.status == "exhausted", c.decline_type == "hard"), "hard_decline"),
            (c.status == "exhausted", "exhausted"),
            else_=None,
        ).label("lost_reason"),
        case((recovered, func.coalesce(c.recovered_by, "outside")), else_=None).label(
            "recovered_by"
        ),
        c.closed_at.label("closed_at"),
        c.expires_at.label("window_end"),
        _flag(or_(c.expires_at.is_(None), c.expires_at > now)).label("provisional"),
        _flag(and_(c.expires_at.is_not(None), c.expires_at <= now)).label("window_closed"),
        _flag(and_(recovered, or_(c.expires_at.is_(None), c.closed_at <= c.expires_at))).label(
            "recovered_in_window"
        ),
        case((recovered, (epoch_seconds(c.closed_at) - failed) // HOUR), else_=None).label(
            "hours_to_recover"
        ),
        case(
            (recovered, (epoch_seconds(c.closed_at) - failed) // HOUR),
            else_=(observed_until - failed) // HOUR,
        ).label("hours_observed"),
        case((recovered, (epoch_seconds(c.closed_at) - failed) // DAY), else_=None).label(
            "days_to_recover"
        ),
    ]
    statement = select(*columns).join(t, t.id == c.transaction_id)
    if detail:
        attempts, links = _attempt_totals(scope, only), _used_links(scope, only)
        columns = [
            func.coalesce(attempts.c.retries, 0).label("retries"),
            func.coalesce(attempts.c.retry_succeeded, 0).label("retry_succeeded"),
            func.coalesce(attempts.c.email_sent, 0).label("email_sent"),
            func.coalesce(attempts.c.sms_sent, 0).label("sms_sent"),
            func.coalesce(attempts.c.whatsapp_sent, 0).label("whatsapp_sent"),
            links.c.link_channel.label("link_channel"),
        ]
        statement = (
            statement.add_columns(*columns)
            .outerjoin(attempts, attempts.c.case_id == c.id)
            .outerjoin(links, links.c.case_id == c.id)
        )
    if only is not None:
        statement = statement.where(c.id.in_(only))
    return statement.where(
        c.org_id == scope.org_id,
        t.org_id == scope.org_id,
        c.failed_at >= period.start,
        c.failed_at < period.end,
        *_filters(scope.filters),
    )


def _contact(t: type[Transaction]) -> ColumnElement[str]:
    """How the customer can be reached, for both arms of the holdout alike."""
    email = t.customer_email.is_not(None)
    phone = t.customer_phone.is_not(None)
    return case(
        (and_(email, phone), "email+phone"),
        (email, "email"),
        (phone, "phone"),
        else_="none",
    )


def _filters(filters: Filters) -> list[ColumnElement[bool]]:
    c, t = RecoveryCase, Transaction
    found: list[ColumnElement[bool]] = []
    if filters.gateway is not None:
        found.append(t.gateway == filters.gateway)
    if filters.category is not None:
        found.append(c.category == filters.category)
    if filters.rail is not None:
        found.append(t.payment_method_type == filters.rail)
    if filters.currency is not None:
        found.append(t.currency == filters.currency)
    if filters.country is not None:
        found.append(t.country == filters.country)
    if filters.amount_min is not None:
        found.append(t.amount_minor >= filters.amount_min)
    if filters.amount_max is not None:
        found.append(t.amount_minor <= filters.amount_max)
    if filters.policy_id == DEFAULT_POLICY:
        found.append(c.policy_id.is_(None))
    elif filters.policy_id is not None:
        found.append(c.policy_id == filters.policy_id)
    if filters.rule_id is not None:
        found.append(c.rule_id == filters.rule_id)
    if filters.arm != "all":
        found.append(c.holdout.is_(filters.arm == "holdout"))
    return found


def _in_period(scope: Scope, case_id: Any, only: Any) -> ColumnElement[bool]:
    """The case is one of the period's (and of `only`): only those cases' attempts and links
    are grouped."""
    c = RecoveryCase
    if only is not None:
        return case_id.in_(only)  # type: ignore[no-any-return]
    found: ColumnElement[bool] = case_id.in_(
        select(c.id).where(
            c.org_id == scope.org_id,
            c.failed_at >= scope.period.start,
            c.failed_at < scope.period.end,
        )
    )
    return found


def _attempt_totals(scope: Scope, only: Any) -> Subquery:
    """Per case: retries that reached the PSP, whether one succeeded, messages sent by channel."""
    a, org_id = RecoveryAttempt, scope.org_id
    tried = and_(a.kind == "psp_retry", a.outcome.in_(("succeeded", "declined")))
    sent = and_(a.kind == "notification", a.outcome == "succeeded")

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    return (
        select(
            a.case_id.label("case_id"),
            count(tried).label("retries"),
            func.max(case((and_(tried, a.outcome == "succeeded"), 1), else_=0)).label(
                "retry_succeeded"
            ),
            count(and_(sent, a.channel == "email")).label("email_sent"),
            count(and_(sent, a.channel == "sms")).label("sms_sent"),
            count(and_(sent, a.channel == "whatsapp")).label("whatsapp_sent"),
        )
        .where(a.org_id == org_id, _in_period(scope, a.case_id, only))
        .group_by(a.case_id)
        .subquery("attempt_totals")
    )


def _used_links(scope: Scope, only: Any) -> Subquery:
    """Per case: the channel of the link the payer paid through (the latest used)."""
    link, org_id = RecoveryLink, scope.org_id
    return (
        select(link.case_id.label("case_id"), func.max(link.channel).label("link_channel"))
        .where(
            link.org_id == org_id, link.used_at.is_not(None), _in_period(scope, link.case_id, only)
        )
        .group_by(link.case_id)
        .subquery("used_links")
    )


def grouped(
    session: Session,
    scope: Scope,
    keys: Sequence[str],
    *,
    detail: bool = False,
    where: Callable[[Subquery], list[ColumnElement[bool]]] | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> list[Row[Any]]:
    """count(*) and sum(amount) of the case rows grouped by `keys` (their labels), plus
    `extra` (label, column) sums, computed in the database."""
    tune(session)
    rows = case_rows(scope, detail=detail).subquery("case_rows")
    group = [rows.c[k] for k in keys]
    conditions = where(rows) if where is not None else []
    sums = [func.sum(rows.c[column]).label(label) for label, column in extra]
    statement = (
        select(
            *group,
            func.count().label("cases"),
            func.coalesce(func.sum(rows.c.amount), 0).label("amount"),
            *sums,
        )
        .where(*conditions)
        .group_by(*group)
        .order_by(*group)
    )
    return cast(list[Row[Any]], list(session.execute(statement).all()))


def integer(value: Any) -> int:
    """Sums come back as int, Decimal or None depending on the database."""
    return int(value or 0)
