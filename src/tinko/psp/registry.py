"""Which adapter talks to the PSP for a gateway: the org's own Stripe or Razorpay account when
it has saved credentials for that gateway, else the sandbox (docs/api.md: "any gateway's failure
replayed on the sandbox"), so a demo or a trial org recovers without an outside account.
In production only the sandbox gateway's payments go to the sandbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.kit.clock import Clock
from tinko.kit.secretbox import SecretBox
from tinko.psp import credentials
from tinko.psp.base import PaymentProvider, PSPNotConfigured, WebhookFormat
from tinko.psp.credentials import Keys
from tinko.psp.razorpay_adapter import RazorpayAdapter
from tinko.psp.razorpay_events import RazorpayWebhooks
from tinko.psp.sandbox import SandboxPSP, SandboxWebhooks
from tinko.psp.stripe_adapter import StripeAdapter
from tinko.psp.stripe_events import StripeWebhooks

_WEBHOOKS: dict[str, WebhookFormat] = {
    "stripe": StripeWebhooks(),
    "razorpay": RazorpayWebhooks(),
    "sandbox": SandboxWebhooks(),
}


def provider_for(
    session: Session, settings: Settings, clock: Clock, org_id: str, gateway: str
) -> PaymentProvider:
    if gateway in credentials.PSPS:
        keys = credentials.load(session, secret_box(settings), org_id, gateway)
        if keys is not None:
            return adapter_for(settings, keys)
    if settings.env == "prod" and gateway != "sandbox":
        # In production the sandbox would "recover" a real payment with no money moving.
        raise PSPNotConfigured(
            f"configure PSP credentials for {gateway} to recover its payments"
            if gateway in credentials.PSPS
            else f"no PSP can recover payments of gateway {gateway!r}"
        )
    return SandboxPSP(clock, settings.base_url, session)


def adapter_for(settings: Settings, keys: Keys) -> PaymentProvider:
    """The real adapter for a set of keys, pointed at TINKO_*_API_BASE when set."""
    if keys.psp == "stripe":
        return StripeAdapter(keys.fields["secret_key"], api_base=settings.stripe_api_base)
    return RazorpayAdapter(
        keys.fields["key_id"], keys.fields["key_secret"], api_base=settings.razorpay_api_base
    )


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secret_key, settings.encryption_keys)


def webhook_format(psp: str) -> WebhookFormat:
    """How `psp` signs and words its webhooks (KeyError for a PSP we take none from)."""
    return _WEBHOOKS[psp]
