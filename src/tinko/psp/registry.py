"""Which adapter charges for a gateway. Until the Stripe and Razorpay adapters land, retries of
any gateway's failures run on the sandbox (API.md: "any gateway's failure replayed on the
sandbox")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.psp.base import PaymentProvider
from tinko.psp.sandbox import SandboxPSP


def provider_for(
    session: Session, settings: Settings, clock: Clock, org_id: str, gateway: str
) -> PaymentProvider:
    return SandboxPSP(clock)
