"""Periodic audit work: a signed checkpoint within the hour for every org that wrote events
since its last one, and the daily pruning by each org's retention period."""

from __future__ import annotations

from tinko.audit import service
from tinko.db import unit_of_work
from tinko.jobs.registry import JobContext, job


@job("audit.checkpoint", every_seconds=300)
def checkpoint(ctx: JobContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        org_ids = service.org_ids(session)
    for org_id in org_ids:  # one short transaction per org: the head row lock is per org
        with unit_of_work(ctx.session_factory) as session:
            service.checkpoint_if_due(session, org_id)


@job("audit.prune", every_seconds=86_400)
def prune(ctx: JobContext) -> None:
    with unit_of_work(ctx.session_factory) as session:
        org_ids = service.org_ids(session)
    for org_id in org_ids:
        with unit_of_work(ctx.session_factory) as session:
            service.prune(session, org_id)
