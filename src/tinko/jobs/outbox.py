"""Enqueue after commit: jobs asked for inside a unit of work are published only if it commits.

A job published for a rolled-back transaction would act on rows that never existed; a job lost
after commit is found again by its domain's periodic sweep, since state lives in the database.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PENDING = "tinko.pending_jobs"
DISPATCHER = "tinko.dispatcher"


class Dispatcher(Protocol):
    def submit(self, name: str, kwargs: dict[str, Any]) -> None: ...


def enqueue(session: Session, name: str, **kwargs: Any) -> None:
    if not session.in_transaction():
        session.begin()  # so that a rollback, even of no SQL at all, discards the job
    session.info.setdefault(_PENDING, []).append((name, kwargs))


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    dispatcher: Dispatcher | None = session.info.get(DISPATCHER)
    if not pending or dispatcher is None:
        return
    for name, kwargs in pending:
        dispatcher.submit(name, kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: SessionTransaction) -> None:
    # "soft" so it fires even when nothing reached the database; only the outermost
    # transaction's end drops the jobs, since a savepoint rollback keeps the rest.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
