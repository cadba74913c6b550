"""The network retry rules as data: the model that ``guard.loader`` builds from the YAML.

Every rule is a list of effective-dated versions (``effective_from`` inclusive, ``effective_to``
exclusive, both UTC dates). Networks change these numbers, so they live in the data file with
their sources, and a malformed file fails loudly at load with ``NetworkRulesError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, Literal, TypeVar

from tinko.policies.windows import WindowSpec

T = TypeVar("T")
Counters = Literal["per_initiator", "shared"]


class NetworkRulesError(ValueError):
    """The rules file is malformed. The message names the file and the offending entry."""

    def __init__(self, file: str, entry: str | None, problem: str) -> None:
        self.file = file
        self.entry = entry
        self.problem = problem
        super().__init__(f"{file}: {entry}: {problem}" if entry else f"{file}: {problem}")


# --- model --------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Version(Generic[T]):
    effective_from: date | None  # None: since before anything we track
    effective_to: date | None  # exclusive; None: still in force
    value: T


@dataclass(frozen=True, slots=True)
class Timeline(Generic[T]):
    """Versions of one rule, sorted and non-overlapping (gaps mean "no rule then")."""

    versions: tuple[Version[T], ...] = ()

    def at(self, moment: datetime) -> T | None:
        day = moment.astimezone(UTC).date()
        for v in self.versions:
            if (v.effective_from is None or v.effective_from <= day) and (
                v.effective_to is None or day < v.effective_to
            ):
                return v.value
        return None

    def next_change(self, moment: datetime) -> datetime | None:
        """The first instant after ``moment`` where a different version (or none) applies."""
        bounds = {d for v in self.versions for d in (v.effective_from, v.effective_to) if d}
        later = [_day_start(d) for d in bounds if _day_start(d) > moment]
        return min(later, default=None)


@dataclass(frozen=True, slots=True)
class CapLimit:
    rule: str  # e.g. "visa.cap_30d"
    window: timedelta
    max_declines: int


@dataclass(frozen=True, slots=True)
class CapSet:
    # per_initiator: merchant- and customer-initiated declines are separate counters (Visa).
    # shared: the network counts every decline; we still never block a customer on
    # merchant-initiated declines, so a customer attempt is checked against customer ones only.
    counters: Counters
    limits: tuple[CapLimit, ...]


@dataclass(frozen=True, slots=True)
class VisaFee:
    domestic_usd_cents: int
    interregional_usd_cents: int


@dataclass(frozen=True, slots=True)
class DoNotRetry:
    advice_codes: frozenset[str]
    card_block: timedelta  # after such a decline the whole card is off-limits this long
    fee_usd_cents: int


@dataclass(frozen=True, slots=True)
class CycleCap:
    max_attempts: int  # per billing cycle, first attempt included
    max_successes: int | None
    unknown_cycle_window: timedelta  # rolling window used when the cycle start is unknown


@dataclass(frozen=True, slots=True)
class VisaRules:
    do_not_retry: Timeline[frozenset[int]] = Timeline()
    attempt_caps: Timeline[CapSet] = Timeline()
    excess_fee: Timeline[VisaFee] = Timeline()


@dataclass(frozen=True, slots=True)
class MastercardRules:
    do_not_retry: Timeline[DoNotRetry] = Timeline()
    retry_after: Timeline[Mapping[str, timedelta]] = Timeline()
    attempt_caps: Timeline[CapSet] = Timeline()
    excess_fee: Timeline[int] = Timeline()


@dataclass(frozen=True, slots=True)
class UpiAutopayRules:
    execution_window: Timeline[WindowSpec] = Timeline()
    cycle_cap: Timeline[CycleCap] = Timeline()


@dataclass(frozen=True, slots=True)
class EmandateRules:
    cycle_cap: Timeline[CycleCap] = Timeline()


@dataclass(frozen=True, slots=True)
class NetworkRules:
    file: str
    retrieved: date
    sources: tuple[str, ...]
    visa: VisaRules
    mastercard: MastercardRules
    upi_autopay: UpiAutopayRules
    emandate: EmandateRules
    # NACHA's reinitiation limit on a returned ACH debit (the same shape as a mandate's cap).
    ach_debit: EmandateRules = EmandateRules()
