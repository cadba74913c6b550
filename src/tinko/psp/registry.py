"""Which adapter charges for a gateway. Until the Stripe and Razorpay adapters land, retries of
any gateway's failures run on the sandbox (API.md: "any gateway's failure replayed on the
sandbox")."""

from __future__ import annotations

from tinko.kit.clock import Clock
from tinko.psp.base import PaymentProvider
from tinko.psp.sandbox import SandboxPSP


def provider_for(gateway: str, clock: Clock) -> PaymentProvider:
    return SandboxPSP(clock)
