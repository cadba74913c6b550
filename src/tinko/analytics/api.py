"""Routes of docs/analytics.md: read-only, org-scoped, open to viewers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.analytics import export, report
from tinko.analytics.definitions import (
    DEFAULT_POLICY,
    Filters,
    check_filters,
    parse_period,
)
from tinko.analytics.queries import Scope
from tinko.deps import ClockDep, TinkoRouter, ViewerDep, audited_read
from tinko.errors import Unprocessable
from tinko.policies.models import RetryPolicy
from tinko.rules.models import RecoveryRule as Rule
from tinko.tenancy.service import get_org

router = TinkoRouter(prefix="/v1/analytics", tags=["analytics"])
Json = dict[str, Any]
Text = Annotated[str | None, Query(max_length=80)]
Amount = Annotated[int | None, Query()]


def read_session(request: Request) -> Iterator[Session]:
    """Analytics only reads: on SQLite a WAL reader that never waits for (or blocks) writers."""
    session: Session = request.app.state.read_session_factory()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(read_session)]


def scope_of(
    principal: ViewerDep,
    session: SessionDep,
    clock: ClockDep,
    period: Annotated[str | None, Query(max_length=10, description="7d, 30d or 90d")] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: Annotated[str | None, Query(max_length=10)] = None,
    gateway: Text = None,
    category: Text = None,
    rail: Text = None,
    currency: Text = None,
    country: Text = None,
    amount_min: Amount = None,
    amount_max: Amount = None,
    policy_id: Text = None,
    rule_id: Text = None,
    arm: Annotated[Literal["all", "treated", "holdout"], Query()] = "all",
) -> Scope:
    org = get_org(session, principal.org_id)
    now = clock.now()
    filters = check_filters(
        Filters(
            gateway,
            category,
            rail,
            currency,
            country,
            amount_min,
            amount_max,
            policy_id,
            rule_id,
            arm,
        )
    )
    _check_owned(session, principal.org_id, filters)
    return Scope(org.id, parse_period(period, from_, to, org.timezone, now), filters, now)


def _check_owned(session: Session, org_id: str, filters: Filters) -> None:
    """policy_id and rule_id must name one of the org's own (another org's reads as unknown)."""
    if filters.policy_id is not None and filters.policy_id != DEFAULT_POLICY:
        found = session.scalar(
            select(RetryPolicy.id).where(
                RetryPolicy.org_id == org_id, RetryPolicy.id == filters.policy_id
            )
        )
        if found is None:
            raise Unprocessable(
                f"unknown policy_id; use one of your policies' ids or {DEFAULT_POLICY!r}",
                loc=["query", "policy_id"],
            )
    if filters.rule_id is not None:
        found = session.scalar(
            select(Rule.id).where(Rule.org_id == org_id, Rule.id == filters.rule_id).limit(1)
        )
        if found is None:
            raise Unprocessable("unknown rule_id", loc=["query", "rule_id"])


ScopeDep = Annotated[Scope, Depends(scope_of)]


def _report(build: Callable[[Session, Scope], Json]) -> Callable[[ScopeDep, SessionDep], Json]:
    def endpoint(scope: ScopeDep, session: SessionDep) -> Json:
        return build(session, scope)

    return endpoint


_DOCS = {
    "summary": "Failed, recovered, lost and in-progress cases and amounts per currency, with "
    "recovery rates by count and by amount, for the cases that first failed in the period.",
    "recovery_rate": "Recovery rate by count and by amount per currency.",
    "revenue_recovered": "Amount recovered per currency, by how it was recovered.",
    "timeseries": "Per cohort day (first failure, org time zone): failed, recovered and lost; "
    "cohorts still inside their window are marked provisional.",
    "attempts_by_channel": "Attempts and successes per channel (PSP retry, email, SMS, WhatsApp).",
    "by_attempt": "Recoveries by the number of the attempt that succeeded.",
    "time_to_recover": "Kaplan-Meier curve of time to recover, open cases censored.",
    "uplift": "Treated minus holdout recovery rate, in percentage points with a 95 % interval, "
    "per segment; `in_progress` until each arm has enough closed cases.",
    "failure_categories": "Cases and recovery rates per decline category.",
    "by_rail": "Cases and recovery rates per rail "
    "(card, UPI AutoPay, e-mandate, netbanking, wallet).",
    "by_language": "Cases and recovery rates per customer language.",
}

for _path, _build in (
    ("summary", report.summary),
    ("recovery_rate", report.recovery_rate),
    ("revenue_recovered", report.revenue_recovered),
    ("timeseries", report.timeseries),
    ("attempts_by_channel", report.attempts_by_channel),
    ("by_attempt", report.by_attempt),
    ("time_to_recover", report.time_to_recover),
    ("uplift", report.uplift_report),
):
    router.add_api_route(
        f"/{_path}",
        _report(_build),
        methods=["GET"],
        name=f"analytics_{_path}",
        description=_DOCS[_path],
    )


def _breakdown(key: str) -> Callable[[Session, Scope], Json]:
    def build(session: Session, scope: Scope) -> Json:
        return report.breakdown(session, scope, key, key)

    return build


for _path, _key in (
    ("failure_categories", "category"),
    ("by_rail", "rail"),
    ("by_language", "language"),
):
    router.add_api_route(
        f"/{_path}",
        _report(_breakdown(_key)),
        methods=["GET"],
        name=f"analytics_{_path}",
        description=_DOCS[_path],
    )


@router.get("/cohorts")
def cohorts(
    scope: ScopeDep,
    session: SessionDep,
    grain: Annotated[Literal["week", "month"], Query()] = "week",
) -> Json:
    """Cohorts by week or month of first failure by days since: the share recovered so far."""
    return report.cohorts(session, scope, grain)


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    dependencies=[Depends(audited_read("analytics.exported"))],
)
def export_csv(scope: ScopeDep, request: Request) -> StreamingResponse:
    """One row per case with everything the figures are made of, streamed (CSV)."""
    stream = export.csv_stream(request.app.state.read_session_factory, scope)
    headers = {"Content-Disposition": 'attachment; filename="tinko-cases.csv"'}
    return StreamingResponse(stream, media_type="text/csv; charset=utf-8", headers=headers)


@router.get(
    "/export.jsonl",
    response_class=StreamingResponse,
    dependencies=[Depends(audited_read("analytics.exported"))],
)
def export_jsonl(scope: ScopeDep, request: Request) -> StreamingResponse:
    """One JSON object per case with everything the figures are made of, streamed."""
    stream = export.jsonl_stream(request.app.state.read_session_factory, scope)
    return StreamingResponse(stream, media_type="application/x-ndjson")
