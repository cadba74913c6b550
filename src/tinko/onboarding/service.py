"""Onboarding's steps, each over the services the API uses (tenancy, psp.connect and
credentials, intake.webhooks, policies.service), and `init_org`, all of them in one call.

Services flush, never commit: the request's unit of work commits, so `init_org` stores all or
nothing. PSP keys are checked with the PSP (psp.connect.verify_new) before anything is
written; a refusal raises before the first write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.errors import NotFound
from tinko.intake import webhooks
from tinko.intake.models import WebhookDelivery, WebhookEndpoint
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.secretbox import SecretBox
from tinko.onboarding.models import OnboardingState
from tinko.onboarding.presets import BY_KEY
from tinko.policies import service as policies
from tinko.policies.models import RetryPolicy
from tinko.psp import credentials
from tinko.psp.credentials import Keys
from tinko.psp.razorpay_events import MANDATE_EVENTS
from tinko.psp.razorpay_events import SUCCESS_EVENTS as RAZORPAY_SUCCESS
from tinko.psp.stripe_events import FAILURE_EVENTS as STRIPE_FAILURE
from tinko.psp.stripe_events import SUCCESS_EVENTS as STRIPE_SUCCESS
from tinko.tenancy.models import Organization
from tinko.tenancy.service import get_org, update_org

STEPS: Final = ("org", "psp", "policy", "preview", "live")
SANDBOX: Final = "sandbox"
# The events each PSP's webhook format reads (psp/stripe_events.py, psp/razorpay_events.py):
# https://docs.stripe.com/api/events/types , https://razorpay.com/docs/webhooks/payments/
EVENTS: Final[dict[str, tuple[str, ...]]] = {
    "stripe": tuple(sorted(STRIPE_FAILURE | STRIPE_SUCCESS)),
    "razorpay": tuple(sorted({"payment.failed"} | RAZORPAY_SUCCESS | MANDATE_EVENTS)),
}


@dataclass(frozen=True)
class Connected:
    psp: str  # stripe | razorpay | sandbox
    endpoint: WebhookEndpoint | None  # None for the sandbox: it signs its own events
    secret: str | None  # only when the endpoint was made by this call: shown once
    livemode: bool | None = None
    detail: str | None = None  # what the PSP answered to the check


@dataclass(frozen=True)
class Initialised:
    org: Organization
    connected: Connected
    policy: RetryPolicy | None
    state: OnboardingState


def find(session: Session, org_id: str) -> OnboardingState | None:
    return session.scalars(
        select(OnboardingState).where(OnboardingState.org_id == org_id)
    ).one_or_none()


def state_for(session: Session, clock: Clock, org_id: str) -> OnboardingState:
    """The organisation's onboarding row, made on first use (at the first step)."""
    found = find(session, org_id)
    if found is not None:
        return found
    now = clock.now()
    state = OnboardingState(
        id=new_id("onb"), org_id=org_id, step=STEPS[0], started_at=now, updated_at=now
    )
    session.add(state)
    session.flush()
    return state


def _advance(state: OnboardingState, clock: Clock, step: str) -> None:
    """Steps only move forward: going back to change an answer keeps the furthest step."""
    if STEPS.index(step) > STEPS.index(state.step):
        state.step = step
    state.updated_at = clock.now()


def save_details(
    session: Session, clock: Clock, org_id: str, details: dict[str, str]
) -> Organization:
    """Name, time zone, currency and language, as PATCH /v1/auth/org sets them."""
    changes: dict[str, str | int] = {
        "name": details["name"],
        "timezone": details["timezone"],
        "default_currency": details["currency"],
        "locale": details["language"],
    }
    org = update_org(session, clock, org_id, changes)
    _advance(state_for(session, clock, org_id), clock, "psp")
    return org


def connect(
    session: Session,
    clock: Clock,
    box: SecretBox,
    org_id: str,
    verified: tuple[Keys, str] | None,
) -> Connected:
    """Save keys that psp.connect.verify_new just accepted (None: use the sandbox) and give the
    PSP a webhook endpoint: the one onboarding made before for that PSP, else a new one whose
    secret is returned this once."""
    state = state_for(session, clock, org_id)
    if verified is None:
        state.psp = SANDBOX
        _advance(state, clock, "policy")
        return Connected(SANDBOX, None, None)
    keys, detail = verified
    credentials.save(session, clock, box, org_id, keys, detail)
    endpoint = _own_endpoint(session, state, keys.psp)
    secret = None
    if endpoint is None:
        created = webhooks.create_endpoint(session, clock, box, org_id, keys.psp)
        endpoint, secret = created.endpoint, created.secret
    state.psp = keys.psp
    state.webhook_endpoint_id = endpoint.id
    _advance(state, clock, "policy")
    return Connected(keys.psp, endpoint, secret, keys.livemode, detail)


def _own_endpoint(session: Session, state: OnboardingState, psp: str) -> WebhookEndpoint | None:
    if state.webhook_endpoint_id is None:
        return None
    try:
        endpoint = webhooks.get_endpoint(session, state.org_id, state.webhook_endpoint_id)
    except NotFound:  # deleted since
        return None
    return endpoint if endpoint.psp == psp else None


def endpoint_of(session: Session, state: OnboardingState) -> WebhookEndpoint | None:
    return _own_endpoint(session, state, state.psp or "") if state.psp != SANDBOX else None


def choose_preset(
    session: Session, clock: Clock, org_id: str, preset: str, created_by: str
) -> RetryPolicy | None:
    """Make the preset the organisation's active policy, through policies.service; picking
    again replaces the policy onboarding saved before (or removes it for `recommended`)."""
    state = state_for(session, clock, org_id)
    fields = BY_KEY[preset].policy_fields(get_org(session, org_id).timezone)
    earlier = _own_policy(session, state)
    policy: RetryPolicy | None = None
    if fields is None:
        if earlier is not None:
            policies.delete_policy(session, org_id, earlier.id)
    elif earlier is not None:
        policy = policies.replace_policy(session, clock, org_id, earlier.id, fields)
    else:
        policy = policies.create_policy(session, clock, org_id, fields, created_by)
    state.preset = preset
    state.policy_id = policy.id if policy else None
    _advance(state, clock, "preview")
    return policy


def _own_policy(session: Session, state: OnboardingState) -> RetryPolicy | None:
    if state.policy_id is None:
        return None
    try:
        return policies.get_policy(session, state.org_id, state.policy_id)
    except NotFound:
        return None


def go_live(session: Session, clock: Clock, org_id: str) -> OnboardingState:
    """The last step: recovery runs on the organisation's own payments from now on."""
    state = state_for(session, clock, org_id)
    _advance(state, clock, "live")
    state.live_at = state.live_at or clock.now()
    return state


def first_webhook_at(session: Session, state: OnboardingState) -> datetime | None:
    """When the first signed event reached onboarding's endpoint (stored deliveries are
    verified ones), or None."""
    if state.webhook_endpoint_id is None:
        return None
    first: datetime | None = session.scalar(
        select(func.min(WebhookDelivery.received_at)).where(
            WebhookDelivery.org_id == state.org_id,
            WebhookDelivery.endpoint_id == state.webhook_endpoint_id,
        )
    )
    return first


def init_org(
    session: Session,
    clock: Clock,
    box: SecretBox,
    org_id: str,
    created_by: str,
    *,
    details: dict[str, str],
    verified: tuple[Keys, str] | None,
    preset: str,
    live: bool,
) -> Initialised:
    """Every step at once; the caller verified the keys first (psp.connect.verify_new)."""
    org = save_details(session, clock, org_id, details)
    connected = connect(session, clock, box, org_id, verified)
    policy = choose_preset(session, clock, org_id, preset, created_by)
    state = go_live(session, clock, org_id) if live else state_for(session, clock, org_id)
    return Initialised(org, connected, policy, state)


def webhook_url(base_url: str, endpoint: WebhookEndpoint) -> str:
    return f"{base_url}/v1/webhooks/{endpoint.psp}/{endpoint.id}"


def describe(settings: Settings, connected: Connected) -> dict[str, Any] | None:
    if connected.endpoint is None:
        return None
    return {
        "id": connected.endpoint.id,
        "url": webhook_url(settings.base_url, connected.endpoint),
        "secret": connected.secret,
        "events": list(EVENTS[connected.psp]),
    }
