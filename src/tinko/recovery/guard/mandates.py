"""Mandate rules for the guard: NPCI UPI AutoPay execution windows and per-cycle attempt caps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tinko.policies.windows import END_OF_DAY, is_allowed, next_allowed, zone
from tinko.recovery.guard.rules import CycleCap, Timeline, UpiAutopayRules
from tinko.recovery.guard.types import Block, PastAttempt, ProposedAttempt, bounded


def upi_blocks(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], upi: UpiAutopayRules
) -> list[Block]:
    blocks: list[Block] = []
    spec = upi.execution_window.at(proposed.at)
    if spec is not None and not is_allowed(proposed.at, spec):
        end = next_allowed(proposed.at, spec)
        local = end.astimezone(zone(spec.timezone)).strftime("%Y-%m-%d %H:%M %Z")
        hours = ", ".join(
            f"{r.start:%H:%M}-{'24:00' if r.end == END_OF_DAY else f'{r.end:%H:%M}'}"
            for r in spec.allowed
        )
        reason = (
            f"UPI AutoPay mandates run only in NPCI non-peak hours ({hours} {spec.timezone}). "
            f"Next non-peak slot {local}."
        )
        change = upi.execution_window.next_change(proposed.at)
        blocks.append(Block("upi_autopay.peak_window", reason, bounded(end, change)))
    return blocks + cycle_blocks("upi_autopay", "UPI AutoPay", proposed, history, upi.cycle_cap)


def cycle_blocks(
    prefix: str,
    label: str,
    proposed: ProposedAttempt,
    history: Sequence[PastAttempt],
    timeline: Timeline[CycleCap],
) -> list[Block]:
    cap = timeline.at(proposed.at)
    if cap is None:
        return []
    start = proposed.cycle_started_at
    window = cap.unknown_cycle_window
    executions = [
        a
        for a in history
        if a.initiator == "merchant"
        and (a.at >= start if start is not None else a.at > proposed.at - window)
    ]
    change = timeline.next_change(proposed.at)

    def until(rows: list[PastAttempt], limit: int) -> datetime | None:
        if start is not None:
            return change  # this cycle is used up; the next cycle is a different attempt
        times = sorted(a.at for a in rows)
        return bounded(times[len(times) - limit] + window, change)

    cycle = "this billing cycle" if start is not None else f"the last {window.days} days"
    blocks: list[Block] = []
    debits = [a for a in executions if a.approved]
    if cap.max_successes is not None and len(debits) >= cap.max_successes:
        reason = (
            f"{label} allows {cap.max_successes} successful debit(s) per billing cycle; "
            f"{cycle} already has {len(debits)}."
        )
        blocks.append(Block(f"{prefix}.cycle_cap", reason, until(debits, cap.max_successes)))
    if len(executions) >= cap.max_attempts:
        reason = (
            f"{label} allows one attempt and {cap.max_attempts - 1} retries per billing cycle; "
            f"{len(executions)} were made in {cycle}."
        )
        blocks.append(Block(f"{prefix}.cycle_cap", reason, until(executions, cap.max_attempts)))
    return blocks
