"""The network-rule guard: one behaviour per unit test, then properties over simulated runs.

The expected numbers (15/20 Visa reattempts, 10/35 Mastercard attempts, 1 + 3 mandate
attempts, NPCI peak hours) are written out here on purpose: they check that the data file
says what recovery-facts.md §3 says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinko.policies.windows import UPI_AUTOPAY_NON_PEAK
from tinko.recovery.guard import (
    GuardDecision,
    Initiator,
    NetworkRulesError,
    PastAttempt,
    ProposedAttempt,
    check_attempt,
    earliest_allowed,
    load_network_rules,
    read_network_rules,
)

IST = ZoneInfo("Asia/Kolkata")
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
JUNE_2025 = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


def propose(
    at: datetime,
    *,
    initiator: Initiator = "merchant",
    network: str | None = "visa",
    method: str = "card",
    category: int | None = None,
    mac: str | None = None,
    last_at: datetime | None = None,
    cycle: datetime | None = None,
) -> ProposedAttempt:
    return ProposedAttempt(
        at=at,
        initiator=initiator,
        card_network=network,
        payment_method_type=method,
        last_decline_visa_category=category,
        last_decline_merchant_advice_code=mac,
        last_decline_at=last_at,
        cycle_started_at=cycle,
    )


def declines(
    before: datetime,
    count: int,
    *,
    every: timedelta = HOUR,
    initiator: Initiator = "merchant",
    category: int | None = None,
    mac: str | None = None,
) -> list[PastAttempt]:
    """``count`` declines ending ``every`` before ``before``, oldest first."""
    return [
        PastAttempt(before - every * n, initiator, False, category, mac)
        for n in range(count, 0, -1)
    ]


# --- Visa ---------------------------------------------------------------------------------


def test_visa_cap_is_15_before_2025_05_19() -> None:
    at = datetime(2025, 5, 1, tzinfo=UTC)
    decision = check_attempt(propose(at, category=2), declines(at, 15, category=2))
    assert (decision.allowed, decision.rule) == (False, "visa.cap_30d")


def test_visa_allows_the_15th_attempt_before_2025_05_19() -> None:
    at = datetime(2025, 5, 1, tzinfo=UTC)
    assert check_attempt(propose(at, category=2), declines(at, 14, category=2)).allowed


def test_visa_cap_is_20_from_2025_05_19() -> None:
    decision = check_attempt(propose(JUNE_2025), declines(JUNE_2025, 20, category=2))
    assert (decision.allowed, decision.rule) == (False, "visa.cap_30d")


def test_visa_allows_a_16th_attempt_from_2025_05_19() -> None:
    assert check_attempt(propose(JUNE_2025), declines(JUNE_2025, 15, category=4)).allowed


def test_visa_cap_frees_when_the_oldest_decline_leaves_the_window() -> None:
    history = declines(JUNE_2025, 20, every=DAY, category=2)
    decision = check_attempt(propose(JUNE_2025), history)
    assert decision.earliest_at == history[0].at + timedelta(days=30)


def test_visa_cap_ignores_declines_older_than_30_days() -> None:
    history = declines(JUNE_2025 - timedelta(days=30), 20, category=2)
    assert check_attempt(propose(JUNE_2025), history).allowed


def test_visa_cap_ignores_approved_attempts() -> None:
    history = [PastAttempt(JUNE_2025 - HOUR * n, "merchant", True) for n in range(1, 25)]
    assert check_attempt(propose(JUNE_2025), history).allowed


def test_visa_customer_attempt_ignores_merchant_declines() -> None:
    history = declines(JUNE_2025, 20, category=2)
    assert check_attempt(propose(JUNE_2025, initiator="customer"), history).allowed


def test_visa_merchant_attempt_ignores_customer_declines() -> None:
    history = declines(JUNE_2025, 20, category=2, initiator="customer")
    assert check_attempt(propose(JUNE_2025), history).allowed


def test_visa_customer_declines_have_their_own_cap() -> None:
    history = declines(JUNE_2025, 20, category=2, initiator="customer")
    decision = check_attempt(propose(JUNE_2025, initiator="customer"), history)
    assert decision.rule == "visa.cap_30d"


def test_visa_category_1_blocks_a_silent_retry_for_good() -> None:
    history = declines(JUNE_2025, 1, category=1)
    decision = check_attempt(propose(JUNE_2025, category=1, last_at=history[0].at), history)
    assert (decision.rule, decision.earliest_at) == ("visa.category_1", None)


def test_visa_category_1_does_not_block_the_customer() -> None:
    history = declines(JUNE_2025, 1, category=1)
    proposed = propose(JUNE_2025, initiator="customer", category=1, last_at=history[0].at)
    assert check_attempt(proposed, history).allowed


def test_visa_category_1_on_the_card_blocks_a_new_case() -> None:
    history = declines(JUNE_2025 - timedelta(days=90), 1, category=1)
    assert check_attempt(propose(JUNE_2025), history).rule == "visa.category_1"


def test_visa_category_1_is_lifted_by_a_later_approval_on_the_card() -> None:
    history = [
        *declines(JUNE_2025 - timedelta(days=90), 1, category=1),
        PastAttempt(JUNE_2025 - timedelta(days=10), "customer", True),
    ]
    assert check_attempt(propose(JUNE_2025), history).allowed


def test_visa_retry_within_cap_has_no_fee() -> None:
    decision = check_attempt(propose(JUNE_2025), declines(JUNE_2025, 3, category=2))
    assert decision.fee_minor == 0


def test_visa_retry_beyond_cap_costs_ten_cents() -> None:
    decision = check_attempt(propose(JUNE_2025), declines(JUNE_2025, 20, category=2))
    assert decision.fee_minor == 10


def test_visa_retry_after_category_1_costs_ten_cents() -> None:
    history = declines(JUNE_2025, 1, category=1)
    proposed = propose(JUNE_2025, initiator="customer", category=1, last_at=history[0].at)
    assert check_attempt(proposed, history).fee_minor == 10


def test_visa_cap_waits_for_the_rise_to_20_on_2025_05_19() -> None:
    at = datetime(2025, 5, 10, tzinfo=UTC)
    history = declines(at, 15, category=2)
    assert earliest_allowed(propose(at), history) == datetime(2025, 5, 19, tzinfo=UTC)


# --- Mastercard ---------------------------------------------------------------------------


def mc(
    at: datetime,
    *,
    initiator: Initiator = "merchant",
    mac: str | None = None,
    last_at: datetime | None = None,
) -> ProposedAttempt:
    return propose(at, initiator=initiator, network="mastercard", mac=mac, last_at=last_at)


def test_mac_26_delays_the_retry_by_two_days() -> None:
    declined = JUNE_2025 - DAY
    history = declines(JUNE_2025, 1, every=DAY, mac="26")
    decision = check_attempt(mc(JUNE_2025, mac="26"), history)
    assert (decision.rule, decision.earliest_at) == (
        "mastercard.mac_retry_after",
        declined + 2 * DAY,
    )


def test_mac_26_allows_the_retry_two_days_later() -> None:
    history = declines(JUNE_2025, 1, every=2 * DAY, mac="26")
    proposed = mc(JUNE_2025, mac="26", last_at=history[0].at)
    assert check_attempt(proposed, history).allowed


def test_mac_02_waits_72_hours() -> None:
    history = declines(JUNE_2025, 1, mac="02")
    decision = check_attempt(mc(JUNE_2025), history)
    assert decision.earliest_at == history[0].at + timedelta(hours=72)


def test_mac_24_was_not_enforced_before_2023_10_09() -> None:
    at = datetime(2023, 10, 1, tzinfo=UTC)
    assert check_attempt(mc(at), declines(at, 1, every=timedelta(minutes=5), mac="24")).allowed


def test_mac_retry_after_does_not_hold_back_the_customer() -> None:
    history = declines(JUNE_2025, 1, mac="30")
    assert check_attempt(mc(JUNE_2025, initiator="customer"), history).allowed


def test_mac_03_is_never_retried() -> None:
    history = declines(JUNE_2025 - timedelta(days=60), 1, mac="03")
    proposed = mc(JUNE_2025, mac="03", last_at=history[0].at)
    decision = check_attempt(proposed, history)
    assert (decision.rule, decision.earliest_at) == ("mastercard.mac_03", None)


def test_mac_21_on_the_card_blocks_other_cases_for_30_days() -> None:
    history = declines(JUNE_2025, 1, every=10 * DAY, mac="21")
    decision = check_attempt(mc(JUNE_2025), history)
    assert (decision.rule, decision.earliest_at) == (
        "mastercard.mac_21",
        history[0].at + timedelta(days=30),
    )


def test_mac_21_on_the_card_stops_mattering_after_30_days() -> None:
    history = declines(JUNE_2025, 1, every=30 * DAY, mac="21")
    assert check_attempt(mc(JUNE_2025), history).allowed


def test_mac_03_does_not_block_the_customer() -> None:
    history = declines(JUNE_2025, 1, mac="03")
    proposed = mc(JUNE_2025, initiator="customer", mac="03")
    assert check_attempt(proposed, history).allowed


def test_mac_03_resubmission_is_charged_three_cents() -> None:
    history = declines(JUNE_2025, 1, mac="03")
    assert check_attempt(mc(JUNE_2025), history).fee_minor == 3


def test_mastercard_allows_10_attempts_in_24_hours() -> None:
    assert check_attempt(mc(JUNE_2025), declines(JUNE_2025, 9)).allowed


def test_mastercard_blocks_the_11th_attempt_in_24_hours() -> None:
    history = declines(JUNE_2025, 10)
    decision = check_attempt(mc(JUNE_2025), history)
    assert (decision.rule, decision.earliest_at) == ("mastercard.cap_24h", history[0].at + DAY)


def test_mastercard_blocks_the_36th_attempt_in_30_days() -> None:
    history = declines(JUNE_2025, 35, every=timedelta(hours=20))
    assert check_attempt(mc(JUNE_2025), history).rule == "mastercard.cap_30d"


def test_mastercard_merchant_attempt_counts_customer_declines() -> None:
    history = declines(JUNE_2025, 10, initiator="customer")
    assert check_attempt(mc(JUNE_2025), history).rule == "mastercard.cap_24h"


def test_mastercard_customer_attempt_ignores_merchant_declines() -> None:
    history = declines(JUNE_2025, 10)
    assert check_attempt(mc(JUNE_2025, initiator="customer"), history).allowed


def test_mastercard_excess_fee_is_50_cents_in_2025() -> None:
    assert check_attempt(mc(JUNE_2025), declines(JUNE_2025, 10)).fee_minor == 50


def test_mastercard_excess_fee_was_15_cents_in_november_2023() -> None:
    at = datetime(2023, 11, 20, tzinfo=UTC)
    assert check_attempt(mc(at), declines(at, 10)).fee_minor == 15


def test_mastercard_caps_did_not_apply_before_november_2023() -> None:
    at = datetime(2023, 10, 20, tzinfo=UTC)
    assert check_attempt(mc(at), declines(at, 12)).allowed


# --- UPI AutoPay and e-mandates -----------------------------------------------------------

AUG_2025 = datetime(2025, 8, 4, tzinfo=IST)


def upi(
    at: datetime, *, initiator: Initiator = "merchant", cycle: datetime | None = None
) -> ProposedAttempt:
    return propose(at, initiator=initiator, network=None, method="upi", cycle=cycle)


def test_upi_autopay_peak_window_blocks_until_13_00_ist() -> None:
    decision = check_attempt(upi(AUG_2025.replace(hour=11)), [])
    assert (decision.rule, decision.earliest_at) == (
        "upi_autopay.peak_window",
        AUG_2025.replace(hour=13),
    )


def test_upi_autopay_allows_before_10_00_ist() -> None:
    assert check_attempt(upi(AUG_2025.replace(hour=9, minute=59)), []).allowed


def test_upi_autopay_peak_window_not_enforced_before_2025_08_01() -> None:
    assert check_attempt(upi(datetime(2025, 7, 30, 11, 0, tzinfo=IST)), []).allowed


def test_upi_payment_by_the_customer_ignores_the_peak_window() -> None:
    assert check_attempt(upi(AUG_2025.replace(hour=11), initiator="customer"), []).allowed


def test_upi_autopay_allows_one_attempt_and_three_retries_per_cycle() -> None:
    history = declines(AUG_2025.replace(hour=8), 3)
    assert check_attempt(upi(AUG_2025.replace(hour=8), cycle=AUG_2025), history).allowed


def test_upi_autopay_blocks_a_fifth_attempt_in_the_cycle() -> None:
    history = declines(AUG_2025.replace(hour=8), 4)
    decision = check_attempt(upi(AUG_2025.replace(hour=8), cycle=AUG_2025), history)
    assert (decision.rule, decision.earliest_at) == ("upi_autopay.cycle_cap", None)


def test_upi_autopay_cycle_cap_resets_in_the_next_cycle() -> None:
    history = declines(AUG_2025.replace(hour=8), 4)
    next_cycle = AUG_2025 + timedelta(days=30)
    assert check_attempt(upi(next_cycle, cycle=next_cycle), history).allowed


def test_upi_autopay_allows_one_successful_debit_per_cycle() -> None:
    history = [PastAttempt(AUG_2025 + HOUR, "merchant", True)]
    decision = check_attempt(upi(AUG_2025.replace(hour=8), cycle=AUG_2025), history)
    assert decision.rule == "upi_autopay.cycle_cap"


def test_upi_autopay_without_cycle_start_counts_the_last_30_days() -> None:
    history = declines(AUG_2025.replace(hour=8), 4, every=DAY)
    decision = check_attempt(upi(AUG_2025.replace(hour=8)), history)
    assert decision.earliest_at == history[0].at + timedelta(days=30)


def test_emandate_blocks_a_fifth_presentation_in_the_cycle() -> None:
    at = datetime(2024, 3, 10, tzinfo=UTC)
    history = declines(at, 4, every=DAY)
    proposed = propose(at, network=None, method="emandate", cycle=at - 5 * DAY)
    assert check_attempt(proposed, history).rule == "emandate.cycle_cap"


def test_emandate_allows_the_third_retry() -> None:
    at = datetime(2024, 3, 10, tzinfo=UTC)
    proposed = propose(at, network=None, method="emandate", cycle=at - 5 * DAY)
    assert check_attempt(proposed, declines(at, 3, every=DAY)).allowed


def test_earliest_allowed_skips_a_peak_window_after_the_cycle_frees() -> None:
    # The oldest of four attempts leaves the 30-day fallback window at 11:00 IST, in a peak.
    oldest = datetime(2025, 8, 1, 11, 0, tzinfo=IST)
    history = [PastAttempt(oldest + DAY * n, "merchant", False) for n in range(4)]
    at = datetime(2025, 8, 20, 8, 0, tzinfo=IST)
    expected = datetime(2025, 8, 31, 13, 0, tzinfo=IST)
    assert earliest_allowed(upi(at), history) == expected


def test_earliest_allowed_is_none_after_category_1() -> None:
    history = declines(JUNE_2025, 1, category=1)
    assert earliest_allowed(propose(JUNE_2025, category=1), history) is None


def test_rupay_card_has_no_network_caps() -> None:
    history = declines(JUNE_2025, 40, every=timedelta(minutes=1))
    assert check_attempt(propose(JUNE_2025, network="rupay"), history).allowed


@pytest.mark.parametrize("network", [None, "", "other", "maestro"])
def test_a_card_of_unknown_network_is_held_to_mastercards_daily_cap(network: str | None) -> None:
    history = declines(JUNE_2025, 10)
    decision = check_attempt(propose(JUNE_2025, network=network), history)
    assert (decision.allowed, decision.rule) == (False, "mastercard.cap_24h")


def test_a_card_of_unknown_network_is_held_to_visas_monthly_cap() -> None:
    history = declines(JUNE_2025, 20, every=DAY)
    decision = check_attempt(propose(JUNE_2025, network=None), history)
    assert (decision.allowed, decision.rule) == (False, "visa.cap_30d")


def test_a_card_of_unknown_network_within_every_cap_is_allowed() -> None:
    history = declines(JUNE_2025, 9)
    assert check_attempt(propose(JUNE_2025, network=None), history).allowed


def test_a_mandate_without_a_card_network_gets_no_card_caps() -> None:
    history = declines(JUNE_2025, 10, every=timedelta(minutes=1))
    proposed = propose(JUNE_2025, network=None, method="emandate", cycle=JUNE_2025 - DAY)
    assert check_attempt(proposed, history).rule != "mastercard.cap_24h"


def test_naive_datetime_is_refused() -> None:
    naive = datetime(2025, 6, 1, 12, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        check_attempt(propose(naive), [])


# --- data file ----------------------------------------------------------------------------


def test_packaged_rules_are_loaded_once() -> None:
    assert load_network_rules() is load_network_rules()


def test_packaged_rules_record_when_the_facts_were_taken() -> None:
    assert load_network_rules().retrieved == date(2026, 11, 22)


def test_packaged_rules_cite_https_sources() -> None:
    assert all(url.startswith("https://") for url in load_network_rules().sources)


def test_upi_window_in_the_data_matches_the_windows_constant() -> None:
    window = load_network_rules().upi_autopay.execution_window.at(AUG_2025)
    assert window == UPI_AUTOPAY_NON_PEAK


META = """\
meta:
  kind: network_rules
  retrieved: 2026-11-22
  sources: [https://example.org/rules]
"""


def load_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(META + text, encoding="utf-8")
    read_network_rules(path)


def test_loader_reads_a_file_with_only_meta(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(META, encoding="utf-8")
    rules = read_network_rules(path)
    assert check_attempt(propose(JUNE_2025), declines(JUNE_2025, 50), rules=rules).allowed


def test_loader_rejects_a_duplicate_key(tmp_path: Path) -> None:
    text = """\
emandate:
  cycle_cap:
    - max_attempts: 4
      max_attempts: 5
      unknown_cycle_window: 30d
"""
    with pytest.raises(NetworkRulesError, match=r"rules\.yaml: max_attempts: duplicate key"):
        load_text(tmp_path, text)


def test_loader_rejects_an_overlapping_effective_range(tmp_path: Path) -> None:
    text = """\
emandate:
  cycle_cap:
    - {effective_from: 2024-01-01, effective_to: 2024-06-01, max_attempts: 4,
       unknown_cycle_window: 30d}
    - {effective_from: 2024-05-01, max_attempts: 5, unknown_cycle_window: 30d}
"""
    with pytest.raises(NetworkRulesError, match=r"emandate\.cycle_cap\[1\]: .*overlaps"):
        load_text(tmp_path, text)


def test_loader_rejects_an_open_ended_entry_followed_by_another(tmp_path: Path) -> None:
    text = """\
emandate:
  cycle_cap:
    - {max_attempts: 4, unknown_cycle_window: 30d}
    - {effective_from: 2024-05-01, max_attempts: 5, unknown_cycle_window: 30d}
"""
    with pytest.raises(NetworkRulesError, match=r"emandate\.cycle_cap\[1\]: .*overlaps"):
        load_text(tmp_path, text)


def test_loader_rejects_unsorted_effective_ranges(tmp_path: Path) -> None:
    text = """\
emandate:
  cycle_cap:
    - {effective_from: 2024-05-01, effective_to: 2024-06-01, max_attempts: 4,
       unknown_cycle_window: 30d}
    - {effective_from: 2024-01-01, effective_to: 2024-02-01, max_attempts: 5,
       unknown_cycle_window: 30d}
"""
    with pytest.raises(NetworkRulesError, match=r"emandate\.cycle_cap\[1\]: .*sorted"):
        load_text(tmp_path, text)


def test_loader_rejects_an_unknown_key(tmp_path: Path) -> None:
    text = """\
visa:
  attempt_caps:
    - counters: per_initiator
      limits: {cap_30d: {window: 30d, max_declines: 20}}
      max_retries: 20
"""
    with pytest.raises(NetworkRulesError, match=r"visa\.attempt_caps\[0\]\.max_retries: unknown"):
        load_text(tmp_path, text)


def test_loader_rejects_an_unquoted_advice_code(tmp_path: Path) -> None:
    text = """\
mastercard:
  retry_after:
    - delays: {02: 72h}
"""
    with pytest.raises(NetworkRulesError, match="advice code"):
        load_text(tmp_path, text)


def test_loader_reports_a_bad_window_with_its_entry(tmp_path: Path) -> None:
    text = """\
upi_autopay:
  execution_window:
    - window:
        timezone: Asia/Kolkata
        allowed: [{days: [mon], start: "13:00", end: "10:00"}]
"""
    with pytest.raises(NetworkRulesError, match=r"execution_window\[0\]\.window\.allowed\.0\.end"):
        load_text(tmp_path, text)


# --- properties ---------------------------------------------------------------------------

PEAKS = ((time(10), time(13)), (time(17), time(21, 30)))
# Drawing a run simulates it through the guard, so generation is slower than usual.
PROPERTY = settings(
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PRODUCTS = [
    ("visa", "card"),
    ("mastercard", "card"),
    (None, "upi"),
    (None, "emandate"),
    ("visa", "emandate"),
]


@dataclass(frozen=True)
class Step:
    gap: timedelta
    initiator: Initiator
    approved: bool
    category: int | None
    mac: str | None


@dataclass(frozen=True)
class Run:
    product: tuple[str | None, str]
    cycle: timedelta | None  # billing-cycle length for mandates; None: unknown to the guard
    start: datetime
    log: list[tuple[ProposedAttempt, GuardDecision]]
    history: list[PastAttempt]


def cycle_start(run_start: datetime, cycle: timedelta | None, at: datetime) -> datetime | None:
    if cycle is None:
        return None
    return run_start + cycle * ((at - run_start) // cycle)


def last_decline(history: Sequence[PastAttempt]) -> PastAttempt | None:
    return next((a for a in reversed(history) if not a.approved), None)


@st.composite
def runs(draw: st.DrawFn, products: Sequence[tuple[str | None, str]] = PRODUCTS) -> Run:
    """Propose attempts one after another; the allowed ones are sent and join the history."""
    product = draw(st.sampled_from(products))
    hard = draw(st.booleans())  # whether never-retry declines (category 1, MAC 03/21) occur
    categories = [None, 2, 3, 4, 4] + ([1] if hard else [])
    macs = [None, None, "01", "02", "24", "25", "26", "30"] + (["03", "21"] if hard else [])
    # A pace per run: fast runs pile declines into the 24-hour and 30-day windows.
    pace = draw(st.sampled_from([10, 60, 360, 2160]))  # mean minutes between proposals
    step = st.builds(
        Step,
        gap=st.integers(0, 2 * pace).map(lambda m: timedelta(minutes=m)),
        initiator=st.sampled_from(["merchant", "merchant", "merchant", "customer"]),
        approved=st.sampled_from([False] * 6 + [True]),
        category=st.sampled_from(categories),
        mac=st.sampled_from(macs),
    )
    size = draw(st.integers(0, 120))
    steps = draw(st.lists(step, min_size=size, max_size=size))
    cycle = draw(st.sampled_from([None, timedelta(days=7), timedelta(days=30)]))
    start = draw(
        st.datetimes(
            min_value=datetime(2025, 4, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
            max_value=datetime(2026, 6, 1),  # noqa: DTZ001
            timezones=st.just(UTC),
        )
    )
    network, method = product
    history: list[PastAttempt] = []
    log: list[tuple[ProposedAttempt, GuardDecision]] = []
    at = start
    for s in steps:
        at += s.gap
        last = last_decline(history)
        proposed = ProposedAttempt(
            at=at,
            initiator=s.initiator,
            card_network=network,
            payment_method_type=method,
            last_decline_visa_category=last.visa_category if last else None,
            last_decline_merchant_advice_code=last.merchant_advice_code if last else None,
            last_decline_at=last.at if last else None,
            cycle_started_at=cycle_start(start, cycle, at),
        )
        decision = check_attempt(proposed, history)
        log.append((proposed, decision))
        if decision.allowed:
            category = s.category if network == "visa" and not s.approved else None
            mac = s.mac if network == "mastercard" and not s.approved else None
            history.append(PastAttempt(at, s.initiator, s.approved, category, mac))
    return Run(product, cycle, start, log, history)


def caps_for(network: str | None, day: date) -> list[tuple[timedelta, int]]:
    if network == "visa":
        return [(timedelta(days=30), 15 if day < date(2025, 5, 19) else 20)]
    if network == "mastercard":
        return [(DAY, 10), (timedelta(days=30), 35)]
    return []


def counts_against(network: str | None, attempt: Initiator, other: Initiator) -> bool:
    """Visa keeps separate counters; for Mastercard a merchant attempt counts everything."""
    if network == "mastercard" and attempt == "merchant":
        return True
    return attempt == other


@PROPERTY
@given(run=runs())
def test_no_rolling_window_holds_more_declines_than_the_cap(run: Run) -> None:
    network = run.product[0]
    for i, attempt in enumerate(run.history):
        if attempt.approved:
            continue
        for window, cap in caps_for(network, attempt.at.date()):
            in_window = [
                other
                for other in run.history[: i + 1]
                if not other.approved
                and other.at > attempt.at - window
                and counts_against(network, attempt.initiator, other.initiator)
            ]
            assert len(in_window) <= cap, (attempt, window)


@PROPERTY
@given(run=runs())
def test_no_silent_retry_after_a_never_retry_decline(run: Run) -> None:
    sent = 0  # run.history[:sent] is what the network had seen when each attempt was proposed
    for proposed, decision in run.log:
        before = run.history[:sent]
        if decision.allowed and proposed.initiator == "merchant":
            assert proposed.last_decline_visa_category != 1
            assert proposed.last_decline_merchant_advice_code not in ("03", "21")
            assert not any(
                a.merchant_advice_code in ("03", "21") and a.at > proposed.at - timedelta(days=30)
                for a in before
            )
            final = [a.at for a in before if a.visa_category == 1]
            assert not final or any(a.approved and a.at > max(final) for a in before)
        sent += decision.allowed


def peak(moment: datetime) -> bool:
    local = moment.astimezone(IST).time()
    return any(start <= local < end for start, end in PEAKS)


@PROPERTY
@given(run=runs(products=[(None, "upi")]))
def test_no_upi_autopay_execution_in_a_peak_window(run: Run) -> None:
    for attempt in run.history:
        if attempt.initiator == "merchant" and attempt.at.date() >= date(2025, 8, 1):
            assert not peak(attempt.at), attempt.at.astimezone(IST)


@PROPERTY
@given(run=runs(products=[(None, "upi"), (None, "emandate"), ("visa", "emandate")]))
def test_no_mandate_cycle_holds_more_than_four_executions(run: Run) -> None:
    in_force = date(2025, 8, 1) if run.product[1] == "upi" else date.min
    executions = [a for a in run.history if a.initiator == "merchant"]
    for attempt in executions:
        if attempt.at.date() < in_force:
            continue
        start = cycle_start(run.start, run.cycle, attempt.at)
        # Without a cycle start the guard counts a rolling 30 days instead.
        same_cycle = [
            a
            for a in executions
            if a.at <= attempt.at
            and (start <= a.at if start else a.at > attempt.at - timedelta(days=30))
        ]
        assert len(same_cycle) <= 4


@st.composite
def questions(draw: st.DrawFn) -> tuple[ProposedAttempt, list[PastAttempt]]:
    run = draw(runs())
    end = run.history[-1].at if run.history else run.start
    at = end + draw(st.integers(0, 40 * 24 * 60).map(lambda m: timedelta(minutes=m)))
    last = last_decline(run.history)
    proposed = ProposedAttempt(
        at=at,
        initiator=draw(st.sampled_from(["merchant", "customer"])),
        card_network=run.product[0],
        payment_method_type=run.product[1],
        last_decline_visa_category=last.visa_category if last else None,
        last_decline_merchant_advice_code=last.merchant_advice_code if last else None,
        last_decline_at=last.at if last else None,
        cycle_started_at=draw(st.none() | st.just(at - timedelta(days=3))),
    )
    return proposed, run.history


@PROPERTY
@given(question=questions())
def test_earliest_allowed_is_itself_allowed(
    question: tuple[ProposedAttempt, list[PastAttempt]],
) -> None:
    proposed, history = question
    found = earliest_allowed(proposed, history)
    if found is not None:
        assert found >= proposed.at
        assert check_attempt(replace(proposed, at=found), history).allowed


@PROPERTY
@given(question=questions())
def test_earliest_allowed_is_blocked_just_before(
    question: tuple[ProposedAttempt, list[PastAttempt]],
) -> None:
    proposed, history = question
    found = earliest_allowed(proposed, history)
    if found is not None and found > proposed.at:
        just_before = found - timedelta(microseconds=1)
        assert not check_attempt(replace(proposed, at=just_before), history).allowed


@PROPERTY
@given(question=questions())
def test_earliest_allowed_none_means_blocked_for_good(
    question: tuple[ProposedAttempt, list[PastAttempt]],
) -> None:
    proposed, history = question
    if earliest_allowed(proposed, history) is None:
        later = replace(proposed, at=proposed.at + timedelta(days=400))
        assert not check_attempt(later, history).allowed
