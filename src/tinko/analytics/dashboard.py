"""Everything a dashboard's first screen shows, for callers inside the app (the console):
the summary, the rates, the recovered revenue by how it was paid, the series per cohort day and
the breakdowns per decline category, rail and language, each exactly as its endpoint answers.

The rollup is planned once (which days it serves, which come from the cases) and shared, so
the whole screen costs three small reads plus one grouped read per part.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tinko.analytics import report, rollup
from tinko.analytics.queries import Scope

Json = dict[str, Any]
BREAKDOWNS = (("failure_categories", "category"), ("by_rail", "rail"), ("by_language", "language"))


def dashboard(session: Session, scope: Scope) -> Json:
    """{"summary", "recovery_rate", "revenue_recovered", "timeseries", "failure_categories",
    "by_rail", "by_language"}: each the body of `GET /v1/analytics/<name>` for the scope."""
    plan = rollup.plan_for(session, scope)
    found: Json = {
        "summary": report.summary(session, scope, plan),
        "revenue_recovered": report.revenue_recovered(session, scope, plan),
        "timeseries": report.timeseries(session, scope, plan),
    }
    found["recovery_rate"] = report.rates_of(scope, found["summary"])
    for name, key in BREAKDOWNS:
        found[name] = report.breakdown(session, scope, key, key, plan)
    return found
