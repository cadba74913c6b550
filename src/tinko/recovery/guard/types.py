"""The guard's public records (attempts and decisions) and the helpers its rule modules share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Initiator = Literal["merchant", "customer"]


@dataclass(frozen=True, slots=True)
class PastAttempt:
    at: datetime  # aware UTC
    initiator: Initiator
    approved: bool
    visa_category: int | None = None  # of the decline, when it was declined
    merchant_advice_code: str | None = None


@dataclass(frozen=True, slots=True)
class ProposedAttempt:
    at: datetime  # when we want to run it (aware)
    initiator: Initiator  # a silent PSP retry is "merchant"; a payer paying via link "customer"
    card_network: str | None  # "visa" | "mastercard" | "rupay" | "amex" | None
    payment_method_type: str  # card | upi | emandate | netbanking | wallet
    last_decline_visa_category: int | None
    last_decline_merchant_advice_code: str | None
    last_decline_at: datetime | None
    cycle_started_at: datetime | None = None  # billing-cycle start for mandates


@dataclass(frozen=True, slots=True)
class GuardDecision:
    allowed: bool
    rule: str | None  # stable id of the rule that blocked, e.g. "visa.cap_30d"
    reason: str  # plain words for the timeline
    earliest_at: datetime | None  # when the same attempt could be allowed (None if never)
    fee_minor: int = 0  # network fee (USD cents) this attempt incurs if sent anyway


@dataclass(frozen=True, slots=True)
class Block:
    """One rule holding an attempt back."""

    rule: str
    reason: str
    earliest_at: datetime | None  # exact end of this block; None if it never ends


def bounded(end: datetime | None, change: datetime | None) -> datetime | None:
    if end is None:
        return change
    if change is None:
        return end
    return min(end, change)


def span(window: timedelta) -> str:
    if window % timedelta(days=1):
        return f"{window.total_seconds() / 3600:g} hours"
    return f"{window.days} days"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def normalize_mac(code: str | None) -> str | None:
    if code is None:
        return None
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() else code
