"""A card case for the planner's pure tests: a Visa card declined for insufficient funds at
``failed``, a 28-day window, nothing tried or sent yet, reachable by email."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from tinko.recovery.planner import CaseFacts


def card_case(failed: datetime, **changes: object) -> CaseFacts:
    facts = CaseFacts(
        category="insufficient_funds",
        retryable=True,
        cooldown_seconds=0,
        visa_category=None,
        merchant_advice_code=None,
        payment_method_type="card",
        payment_method_ref="pm_1",
        card_network="visa",
        failed_at=failed,
        expires_at=failed + timedelta(days=28),
        retries_done=0,
        last_retry_at=None,
        messages_sent=0,
        last_message_at=None,
        reachable_channels=("email",),
        pending_kinds=frozenset(),
    )
    return replace(facts, **changes)  # type: ignore[arg-type]
