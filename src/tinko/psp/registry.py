"""Which adapter talks to the PSP for a gateway: the org's own Stripe or Razorpay account when
it has saved credentials for that gateway, else the sandbox (API.md: "any gateway's failure
replayed on the sandbox"), so a demo or a trial org recovers without an outside account."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.kit.secretbox import SecretBox
from tinko.psp import credentials
from tinko.psp.base import PaymentProvider
from tinko.psp.credentials import Keys
from tinko.psp.razorpay_adapter import RazorpayAdapter
from tinko.psp.sandbox import SandboxPSP
from tinko.psp.stripe_adapter import StripeAdapter


def provider_for(
    session: Session, settings: Settings, clock: Clock, org_id: str, gateway: str
) -> PaymentProvider:
    if gateway in credentials.PSPS:
        keys = credentials.load(session, secret_box(settings), org_id, gateway)
        if keys is not None:
            return adapter_for(settings, keys)
    return SandboxPSP(clock, settings.base_url)


def adapter_for(settings: Settings, keys: Keys) -> PaymentProvider:
    """The real adapter for a set of keys, pointed at TINKO_*_API_BASE when set."""
    if keys.psp == "stripe":
        return StripeAdapter(keys.fields["secret_key"], api_base=settings.stripe_api_base)
    return RazorpayAdapter(
        keys.fields["key_id"], keys.fields["key_secret"], api_base=settings.razorpay_api_base
    )


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secret_key, settings.encryption_keys)
