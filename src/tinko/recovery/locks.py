"""Row locks for work on cases, always taken in one order (transaction, case, attempt, then
payment methods, each sorted), so workers and requests never wait on each other in a cycle."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.payments.models import Transaction
from tinko.recovery.models import RecoveryAttempt, RecoveryCase

_Locked = TypeVar("_Locked", Transaction, RecoveryCase, RecoveryAttempt)


def lock_batch(
    session: Session, attempt_ids: Sequence[str]
) -> list[tuple[RecoveryAttempt, RecoveryCase, Transaction]]:
    """`lock_for_work` for many attempts at once, in the same order: every transaction (by id),
    then every case, then every attempt, so batches never wait on each other in a cycle.
    Payment methods are locked after that, also sorted (`lock_payment_methods`).
    """
    attempts = _load(session, RecoveryAttempt, attempt_ids, lock=False)
    cases = _load(session, RecoveryCase, {a.case_id for a in attempts}, lock=False)
    transactions = _load(session, Transaction, {c.transaction_id for c in cases}, lock=True)
    if session.get_bind().dialect.name == "postgresql":  # SQLite's write gate holds them all
        cases = _load(session, RecoveryCase, {c.id for c in cases}, lock=True)
        attempts = _load(session, RecoveryAttempt, attempt_ids, lock=True)
    case_by_id = {c.id: c for c in cases}
    transaction_by_id = {t.id: t for t in transactions}
    return [
        (a, case_by_id[a.case_id], transaction_by_id[case_by_id[a.case_id].transaction_id])
        for a in sorted(attempts, key=lambda a: (a.case_id, a.attempt_number, a.id))
    ]


def _load(
    session: Session, model: type[_Locked], ids: Iterable[str], *, lock: bool
) -> Sequence[_Locked]:
    statement = select(model).where(model.id.in_(sorted(set(ids)))).order_by(model.id)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement.execution_options(populate_existing=True)).all()


def lock_for_work(
    session: Session, *, attempt_id: str | None = None, case_id: str | None = None
) -> tuple[RecoveryAttempt | None, RecoveryCase, Transaction] | None:
    """Lock a transaction, its case and (optionally) one attempt, always in that order.

    Intake locks the transaction before it touches the case; everything else that changes a
    case takes its locks in the same order, so the two can never wait on each other in a cycle.
    Returns None when the attempt or case does not exist.
    """
    attempt = session.get(RecoveryAttempt, attempt_id) if attempt_id else None
    target_case_id = attempt.case_id if attempt is not None else case_id
    if target_case_id is None:
        return None
    case = session.get(RecoveryCase, target_case_id)
    if case is None:
        return None
    transaction = session.get_one(
        Transaction, case.transaction_id, with_for_update=True, populate_existing=True
    )
    case = session.get_one(RecoveryCase, case.id, with_for_update=True, populate_existing=True)
    if attempt is not None:
        attempt = session.get_one(
            RecoveryAttempt, attempt.id, with_for_update=True, populate_existing=True
        )
    return attempt, case, transaction
