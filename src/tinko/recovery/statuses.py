"""The states of a recovery case and of its attempts, and the moves allowed between them.

Pure data: `lifecycle` is the only code that changes a status, and it checks every change
against these tables. The case's states are the public contract's (docs/api.md, "Recoveries"):
pending → scheduled → in_progress → recovered | exhausted | cancelled | expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class CaseStatus(StrEnum):
    PENDING = "pending"  # opened; its plan is being made
    SCHEDULED = "scheduled"  # something is planned for later
    IN_PROGRESS = "in_progress"  # an attempt is running now
    RECOVERED = "recovered"  # the money arrived
    EXHAUSTED = "exhausted"  # nothing more to try; its last link can still be paid
    CANCELLED = "cancelled"  # stopped by the merchant
    EXPIRED = "expired"  # the recovery window ended


class AttemptStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for `scheduled_for`
    QUEUED = "queued"  # leased to a sweep, not started
    RUNNING = "running"  # started: the PSP may have it; re-asked under the same key
    DONE = "done"  # finished with an `AttemptOutcome`
    CANCELLED = "cancelled"  # dropped before it ran


class AttemptOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    FAILED = "failed"  # no answer from the PSP
    BLOCKED = "blocked"  # a network rule refused it
    SKIPPED = "skipped"  # a message with nobody to send it to
    CANCELLED = "cancelled"


OPEN = (CaseStatus.PENDING, CaseStatus.SCHEDULED, CaseStatus.IN_PROGRESS)
# A case we stopped working on can still be paid: its last link stays valid until it expires,
# and money that arrives later is a recovery all the same.
PAYABLE = (*OPEN, CaseStatus.EXHAUSTED)
CLOSED = (CaseStatus.RECOVERED, CaseStatus.EXHAUSTED, CaseStatus.CANCELLED, CaseStatus.EXPIRED)

_ENDINGS = frozenset(
    {CaseStatus.RECOVERED, CaseStatus.EXHAUSTED, CaseStatus.CANCELLED, CaseStatus.EXPIRED}
)
_WORKING = frozenset({CaseStatus.SCHEDULED, CaseStatus.IN_PROGRESS})

CASE_TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.PENDING: _WORKING | _ENDINGS,
    # Re-planning keeps a case scheduled; a running attempt keeps it in progress.
    CaseStatus.SCHEDULED: _WORKING | _ENDINGS,
    CaseStatus.IN_PROGRESS: _WORKING | _ENDINGS,
    CaseStatus.EXHAUSTED: frozenset({CaseStatus.RECOVERED}),  # paid late through its link
    CaseStatus.RECOVERED: frozenset(),
    CaseStatus.CANCELLED: frozenset(),
    CaseStatus.EXPIRED: frozenset(),
}

ATTEMPT_TRANSITIONS: Mapping[AttemptStatus, frozenset[AttemptStatus]] = {
    # Retry-now runs a scheduled attempt at once, without a sweep's lease; a charge held back
    # (another of its case is at the PSP, or a manual retry's spacing) stays or goes back to
    # scheduled.
    AttemptStatus.SCHEDULED: frozenset(
        {
            AttemptStatus.SCHEDULED,
            AttemptStatus.QUEUED,
            AttemptStatus.RUNNING,
            AttemptStatus.DONE,
            AttemptStatus.CANCELLED,
        }
    ),
    # A lease that ran out is taken again (queued → queued, running → queued).
    AttemptStatus.QUEUED: frozenset(
        {
            AttemptStatus.SCHEDULED,
            AttemptStatus.QUEUED,
            AttemptStatus.RUNNING,
            AttemptStatus.DONE,
            AttemptStatus.CANCELLED,
        }
    ),
    AttemptStatus.RUNNING: frozenset(
        {AttemptStatus.QUEUED, AttemptStatus.RUNNING, AttemptStatus.DONE, AttemptStatus.CANCELLED}
    ),
    AttemptStatus.DONE: frozenset(),
    AttemptStatus.CANCELLED: frozenset(),
}


def case_sources(target: CaseStatus) -> tuple[CaseStatus, ...]:
    """The states a case may reach `target` from (for bulk updates' WHERE clauses)."""
    return tuple(s for s, targets in CASE_TRANSITIONS.items() if target in targets)


def attempt_sources(target: AttemptStatus) -> tuple[AttemptStatus, ...]:
    return tuple(s for s, targets in ATTEMPT_TRANSITIONS.items() if target in targets)
