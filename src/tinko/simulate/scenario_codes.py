"""Checks a scenario's decline and advice codes against the classifier's own tables.

A code the classifier does not know is classified ``unknown`` live, and so it is in the
simulator: another PSP's code ("Not enough balance", "20051") tests what the engine does with
a decline it cannot read, while the world's ``behaviour`` says what the code really means.
A code close to a known one (``insufficent_funds``) is a typo, and the scenario is refused
with the suggestion.
"""

from __future__ import annotations

import difflib
import functools

from tinko.classifier import DeclineSignal, classify
from tinko.classifier.loader import get_tables
from tinko.simulate.scenario import ScenarioError


@functools.cache
def _decline_codes() -> tuple[str, ...]:
    tables = get_tables().code_tables.values()
    return tuple(sorted({c for t in tables if t.role != "advice" for c in t.rows}))


@functools.cache
def advice_codes() -> tuple[str, ...]:
    """Mastercard merchant advice codes the classifier (and the network rules) know."""
    return tuple(sorted(get_tables().code_tables["mastercard_mac"].rows))


def canonical_code(gateway: str, code: str) -> str | None:
    """The code as the classifier's table that knows it spells it (its ``source`` is
    ``table:code``); None when no table knows it."""
    source = classify(DeclineSignal(gateway=gateway, decline_code=code)).source
    table, _, known = source.partition(":")
    return None if table == "default" or not known else known


def is_known(gateway: str, code: str) -> bool:
    return canonical_code(gateway, code) is not None


def check_code(value: object, where: str, gateway: str, *, known: bool = False) -> str:
    """``value`` as a scenario's decline code. ``known``: it must be one the classifier knows
    (the issuer-down code, which the engine must read as an outage)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ScenarioError(
            where, f'got the number {value}; quote codes, e.g. "05" (YAML reads 05 as the number 5)'
        )
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(where, "must be a non-empty string")
    if is_known(gateway, value):
        return value
    close = difflib.get_close_matches(value, _decline_codes(), n=1, cutoff=0.75)
    if close or known:
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(
            where,
            f"{value!r} is not a decline code the classifier knows for {gateway} "
            f"(Stripe decline codes, Razorpay errors, NPCI UPI and ISO 8583 codes){hint}",
        )
    return value
