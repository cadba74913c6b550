from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_

from tinko.auth.models import OneTimeToken, RefreshToken
from tinko.db import unit_of_work
from tinko.jobs.registry import JobContext, job

# Kept a while after expiry so that a replayed token is still recognised as reuse.
_KEEP_AFTER_EXPIRY = timedelta(days=7)


@job("auth.prune_tokens", every_seconds=3600)
def prune_tokens(ctx: JobContext) -> None:
    cutoff = ctx.clock.now() - _KEEP_AFTER_EXPIRY
    with unit_of_work(ctx.session_factory) as session:
        session.execute(delete(RefreshToken).where(RefreshToken.expires_at < cutoff))
        session.execute(
            delete(OneTimeToken).where(
                or_(OneTimeToken.expires_at < cutoff, OneTimeToken.used_at < cutoff)
            )
        )
