"""bench/gap.py: every failure the oracle recovers is either Tinko's or in exactly one row."""

from __future__ import annotations

from bench.gap import Gap, gap

from tinko.simulate.matrix import worlds

LABELS = {
    "never contacted",
    "link only",
    "retries useless, link unpaid",
    "too early, budget spent",
    "too early, window ended",
    "too early, blocked",
    "too late",
    "paid after the window",
}


def _gap(name: str) -> Gap:
    scenario = next(s for n, _, s in worlds() if n == name)
    return gap(scenario.with_failures(150, 120), 1, "spaced_ladder")


def test_the_losses_and_the_wins_add_up_to_the_oracle() -> None:
    found = _gap("jp_fitness")
    lost = sum(row.count for row in found.rows.values())
    assert found.won_count + lost == found.oracle_count
    assert found.won_revenue + sum(r.revenue for r in found.rows.values()) == found.oracle_revenue


def test_every_loss_is_labelled_with_what_the_engine_did() -> None:
    found = _gap("eu_sca_streaming")
    assert found.rows
    assert {what for _, _, what in found.rows} <= LABELS
