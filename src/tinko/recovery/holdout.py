"""The measurement group: a stable share of an org's customers that Tinko leaves alone.

A customer is in the holdout when a hash of (org, customer) falls below the org's
`holdout_percent`, so the same customer stays in (or out of) it for every failure, and
raising the percentage only adds customers. Holdout cases are classified and tracked but get
no retries and no messages; `/v1/analytics/uplift` compares them with everyone else.
"""

from __future__ import annotations

import hashlib
from typing import Final

MAX_PERCENT: Final = 50
_BUCKETS: Final = 10_000  # basis points: 0.01 % steps


def customer_key(
    customer_ref: str | None, email: str | None, phone: str | None, fallback: str
) -> str:
    """One customer: the merchant's id, else their email, else their phone, else the payment."""
    if customer_ref:
        return f"ref:{customer_ref}"
    if email:
        return f"email:{email.strip().lower()}"
    if phone:
        return f"phone:{phone.strip()}"
    return f"payment:{fallback}"


def in_holdout(org_id: str, key: str, percent: int) -> bool:
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"tinko-holdout:{org_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % _BUCKETS < percent * (_BUCKETS // 100)
