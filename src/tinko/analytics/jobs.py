"""Keeps the analytics rollup close to the cases, so reads find few days to take from them."""

from __future__ import annotations

from sqlalchemy import select

from tinko.analytics import rollup
from tinko.db import unit_of_work
from tinko.jobs.registry import JobContext, job
from tinko.tenancy.models import Organization


@job("analytics.refresh_rollups", every_seconds=60)
def refresh_rollups(ctx: JobContext) -> None:
    """Rebuild each organisation's changed cohort days, one unit of work per organisation."""
    with unit_of_work(ctx.session_factory) as session:
        orgs = list(session.execute(select(Organization.id, Organization.timezone)).all())
    for org_id, timezone in orgs:
        with unit_of_work(ctx.session_factory) as session:
            rollup.refresh(session, org_id, timezone, ctx.clock.now())
