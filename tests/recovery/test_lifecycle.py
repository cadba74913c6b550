"""The lifecycle allows exactly the moves in its tables and refuses every other one."""

from __future__ import annotations

import itertools

import pytest

from tinko.recovery import lifecycle
from tinko.recovery.models import RecoveryAttempt, RecoveryCase
from tinko.recovery.statuses import ATTEMPT_TRANSITIONS, CASE_TRANSITIONS, AttemptStatus, CaseStatus

CASE_MOVES = list(itertools.product(CaseStatus, CaseStatus))
ATTEMPT_MOVES = list(itertools.product(AttemptStatus, AttemptStatus))


def test_the_case_table_is_the_contracts_path() -> None:
    assert CASE_TRANSITIONS[CaseStatus.PENDING] >= {CaseStatus.SCHEDULED}
    assert CASE_TRANSITIONS[CaseStatus.SCHEDULED] >= {CaseStatus.IN_PROGRESS}
    ends = {CaseStatus.RECOVERED, CaseStatus.EXHAUSTED, CaseStatus.CANCELLED, CaseStatus.EXPIRED}
    assert CASE_TRANSITIONS[CaseStatus.IN_PROGRESS] >= ends
    for final in (CaseStatus.RECOVERED, CaseStatus.CANCELLED, CaseStatus.EXPIRED):
        assert CASE_TRANSITIONS[final] == frozenset()


@pytest.mark.parametrize(("source", "target"), CASE_MOVES)
def test_a_case_moves_only_as_the_table_says(source: CaseStatus, target: CaseStatus) -> None:
    case = RecoveryCase(id="rec_test", status=source)
    if target in CASE_TRANSITIONS[source]:
        lifecycle.move_case(case, target)
        assert case.status == target
    else:
        with pytest.raises(lifecycle.IllegalTransition):
            lifecycle.move_case(case, target)
        assert case.status == source


@pytest.mark.parametrize(("source", "target"), ATTEMPT_MOVES)
def test_an_attempt_moves_only_as_the_table_says(
    source: AttemptStatus, target: AttemptStatus
) -> None:
    attempt = RecoveryAttempt(id="att_test", status=source)
    if target in ATTEMPT_TRANSITIONS[source]:
        lifecycle.move_attempt(attempt, target)
        assert attempt.status == target
    else:
        with pytest.raises(lifecycle.IllegalTransition):
            lifecycle.move_attempt(attempt, target)
        assert attempt.status == source


def test_a_finished_attempt_never_runs_again() -> None:
    assert ATTEMPT_TRANSITIONS[AttemptStatus.DONE] == frozenset()
    assert ATTEMPT_TRANSITIONS[AttemptStatus.CANCELLED] == frozenset()
