"""Card-network rules for the guard: Visa and Mastercard caps, never-retry codes, delays, fees."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tinko.recovery.guard.rules import CapSet, MastercardRules, Timeline, VisaRules
from tinko.recovery.guard.types import (
    Block,
    Initiator,
    PastAttempt,
    ProposedAttempt,
    bounded,
    normalize_mac,
    span,
    stamp,
)

# --- caps (Visa and Mastercard) -----------------------------------------------------------


def _declines(
    history: Sequence[PastAttempt], caps: CapSet, initiator: Initiator, *, network_view: bool
) -> list[PastAttempt]:
    """The declines that count against ``initiator``'s next attempt.

    ``network_view`` counts as the network does (for fees); otherwise a customer attempt is
    only ever held back by customer-initiated declines.
    """
    declined = [a for a in history if not a.approved]
    if caps.counters == "per_initiator":
        return [a for a in declined if a.initiator == initiator]
    if network_view or initiator == "merchant":
        return declined
    return [a for a in declined if a.initiator == "customer"]


def _cap_blocks(
    network: str,
    proposed: ProposedAttempt,
    history: Sequence[PastAttempt],
    timeline: Timeline[CapSet],
) -> list[Block]:
    caps = timeline.at(proposed.at)
    if caps is None:
        return []
    counted = _declines(history, caps, proposed.initiator, network_view=False)
    blocks: list[Block] = []
    for limit in caps.limits:
        # Rows after proposed.at count too: out-of-order input errs on the safe side.
        times = sorted(a.at for a in counted if a.at > proposed.at - limit.window)
        if len(times) < limit.max_declines:
            continue
        # Free once enough of the oldest declines have left the rolling window.
        end = times[len(times) - limit.max_declines] + limit.window
        reason = (
            f"{network.title()} allows at most {limit.max_declines} declined "
            f"{proposed.initiator}-initiated attempts per card in a rolling {span(limit.window)}; "
            f"{len(times)} are in the window. Next free slot {stamp(end)}."
        )
        blocks.append(Block(limit.rule, reason, bounded(end, timeline.next_change(proposed.at))))
    return blocks


def _over_cap(proposed: ProposedAttempt, history: Sequence[PastAttempt], caps: CapSet) -> bool:
    counted = _declines(history, caps, proposed.initiator, network_view=True)
    return any(
        sum(1 for a in counted if a.at > proposed.at - limit.window) >= limit.max_declines
        for limit in caps.limits
    )


# --- Visa ---------------------------------------------------------------------------------


def _visa_never(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], categories: frozenset[int]
) -> int | None:
    """The do-not-retry category in force for this card, if any.

    The case's own last decline decides for this transaction. An older such decline on the
    card still counts until the card is approved again (then "never approve" was not final).
    """
    if proposed.last_decline_visa_category in categories:
        return proposed.last_decline_visa_category
    final = [a for a in history if not a.approved and a.visa_category in categories]
    if not final:
        return None
    last = max(final, key=lambda a: a.at)
    if any(a.approved and a.at > last.at for a in history):
        return None
    return last.visa_category


def visa_blocks(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], visa: VisaRules
) -> list[Block]:
    blocks: list[Block] = []
    categories = visa.do_not_retry.at(proposed.at)
    if proposed.initiator == "merchant" and categories:
        category = _visa_never(proposed, history, categories)
        if category is not None:
            reason = (
                f"Visa category {category} decline (the issuer will never approve): "
                "silent retries on this card are not allowed; ask the customer instead."
            )
            end = visa.do_not_retry.next_change(proposed.at)
            blocks.append(Block(f"visa.category_{category}", reason, end))
    return blocks + _cap_blocks("visa", proposed, history, visa.attempt_caps)


def visa_fee(proposed: ProposedAttempt, history: Sequence[PastAttempt], visa: VisaRules) -> int:
    fee = visa.excess_fee.at(proposed.at)
    if fee is None:
        return 0
    categories = visa.do_not_retry.at(proposed.at) or frozenset()
    caps = visa.attempt_caps.at(proposed.at)
    after_final = _visa_never(proposed, history, categories) is not None
    over = caps is not None and _over_cap(proposed, history, caps)
    # The interregional fee is in the data too; without the card's region we report domestic.
    return fee.domestic_usd_cents if after_final or over else 0


# --- Mastercard ---------------------------------------------------------------------------


def mastercard_blocks(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], mc: MastercardRules
) -> list[Block]:
    blocks: list[Block] = []
    if proposed.initiator == "merchant":
        blocks += _do_not_retry_blocks(proposed, history, mc)
        blocks += _retry_after_blocks(proposed, history, mc)
    return blocks + _cap_blocks("mastercard", proposed, history, mc.attempt_caps)


def _recent_do_not_retry(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], mc: MastercardRules
) -> PastAttempt | None:
    rule = mc.do_not_retry.at(proposed.at)
    if rule is None:
        return None
    recent = [
        a
        for a in history
        if not a.approved
        and normalize_mac(a.merchant_advice_code) in rule.advice_codes
        and a.at > proposed.at - rule.card_block
    ]
    return max(recent, key=lambda a: a.at, default=None)


def _do_not_retry_blocks(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], mc: MastercardRules
) -> list[Block]:
    rule = mc.do_not_retry.at(proposed.at)
    if rule is None:
        return []
    change = mc.do_not_retry.next_change(proposed.at)
    blocks: list[Block] = []
    code = normalize_mac(proposed.last_decline_merchant_advice_code)
    if code in rule.advice_codes:
        reason = (
            f"Mastercard advice code {code}: do not try this payment again "
            "(the card is closed, or the customer stopped the recurring payment)."
        )
        blocks.append(Block(f"mastercard.mac_{code}", reason, change))
    recent = _recent_do_not_retry(proposed, history, mc)
    if recent is not None:
        end = recent.at + rule.card_block
        code = normalize_mac(recent.merchant_advice_code)
        reason = (
            f"Mastercard advice code {code} on this card at {stamp(recent.at)}: any attempt "
            f"on the card within {rule.card_block.days} days is fined. Free from {stamp(end)}."
        )
        blocks.append(Block(f"mastercard.mac_{code}", reason, bounded(end, change)))
    return blocks


def _retry_after_blocks(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], mc: MastercardRules
) -> list[Block]:
    delays = mc.retry_after.at(proposed.at)
    if not delays:
        return []
    # The issuer's advice on the case's last decline and on the card's latest attempt.
    advised: list[tuple[datetime, str]] = []
    code = normalize_mac(proposed.last_decline_merchant_advice_code)
    if code is not None and code in delays:
        declined_at = proposed.last_decline_at or max(
            (
                a.at
                for a in history
                if not a.approved and normalize_mac(a.merchant_advice_code) == code
            ),
            default=None,
        )
        if declined_at is not None:
            advised.append((declined_at + delays[code], code))
    latest = max(history, key=lambda a: a.at, default=None)
    latest_code = normalize_mac(latest.merchant_advice_code) if latest else None
    if latest and not latest.approved and latest_code is not None and latest_code in delays:
        advised.append((latest.at + delays[latest_code], latest_code))
    if not advised:
        return []
    end, code = max(advised)
    if proposed.at >= end:
        return []
    reason = (
        f"Mastercard advice code {code}: the issuer asks to retry no earlier than {stamp(end)}."
    )
    change = mc.retry_after.next_change(proposed.at)
    return [Block("mastercard.mac_retry_after", reason, bounded(end, change))]


def mastercard_fee(
    proposed: ProposedAttempt, history: Sequence[PastAttempt], mc: MastercardRules
) -> int:
    fee = 0
    caps = mc.attempt_caps.at(proposed.at)
    excess = mc.excess_fee.at(proposed.at)
    if caps is not None and excess is not None and _over_cap(proposed, history, caps):
        fee += excess  # once, even when both the 24-hour and the 30-day caps are exceeded
    rule = mc.do_not_retry.at(proposed.at)
    if rule is not None and (
        normalize_mac(proposed.last_decline_merchant_advice_code) in rule.advice_codes
        or _recent_do_not_retry(proposed, history, mc) is not None
    ):
        fee += rule.fee_usd_cents
    return fee
