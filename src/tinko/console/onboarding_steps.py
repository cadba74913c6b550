"""The wizard's pages: each step's context, and its form handled through the services the
API uses (onboarding.service, psp.connect). Routes are in console/onboarding.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tinko.config import Settings
from tinko.console.access import ConsoleUser
from tinko.console.onboarding_preview import run_preview
from tinko.console.rendering import redirect, render_page
from tinko.errors import AppError, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.secretbox import SecretBox
from tinko.onboarding import service
from tinko.onboarding.models import OnboardingState
from tinko.onboarding.presets import DEFAULT_PRESET, PRESETS
from tinko.onboarding.schemas import OrgDetailsIn
from tinko.pages.i18n import N_
from tinko.psp import connect
from tinko.tenancy.service import get_org

BASE: Final = "/console/onboarding"
STEP_LABELS: Final = {
    "org": N_("Your business"),
    "psp": N_("Payment provider"),
    "policy": N_("Retry policy"),
    "preview": N_("What it would recover"),
    "live": N_("Go live"),
}
# Each preset's (name, summary) as shown (onboarding/presets.py holds the policies).
PRESET_WORDS: Final = {
    "recommended": (
        N_("Recommended"),
        N_(
            "Tinko's defaults for each kind of decline: retries on paydays for low funds, "
            "quick retries for outages, a payment link at once for expired cards."
        ),
    ),
    "gentle": (
        N_("Gentle"),
        N_("Two retries two days apart in business hours, then an email with a payment link."),
    ),
    "persistent": (
        N_("Persistent"),
        N_("Up to six retries over three weeks at any hour, with SMS and email reminders."),
    ),
}
# Offered in the form; any IANA zone typed in is accepted.
COMMON_ZONES: Final = (
    "Asia/Kolkata", "Asia/Singapore", "Asia/Dubai", "Asia/Tokyo", "Australia/Sydney",
    "Europe/London", "Europe/Berlin", "Europe/Paris", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Africa/Lagos", "UTC",
)  # fmt: skip
CURRENCIES: Final = ("INR", "USD", "EUR", "GBP", "SGD", "AED", "AUD", "CAD", "JPY", "BRL")
PSP_FIELDS: Final = {
    "stripe": ("secret_key", "publishable_key"),
    "razorpay": ("key_id", "key_secret"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    href: str | None  # None: not reached yet
    current: bool


def steps(state: OnboardingState, current: str) -> list[Step]:
    reached = service.STEPS.index(state.step)
    return [
        Step(key, STEP_LABELS[key], f"{BASE}/{key}" if i <= reached else None, key == current)
        for i, key in enumerate(service.STEPS)
    ]


def page(
    request: Request,
    state: OnboardingState,
    step: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> Response:
    values = {"steps": steps(state, step), "state": state, "step": step, **context}
    template = f"console/onboarding/{step}.html"
    return render_page(request, template, values, status=status, after_post=f"{BASE}/{step}")


def org_form(
    request: Request,
    session: Session,
    clock: Clock,
    user: ConsoleUser,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    org = get_org(session, user.org_id)
    given = values or {
        "name": org.name,
        "timezone": org.timezone,
        "currency": org.default_currency,
        "language": org.locale if org.locale in ("en", "hi", "ta") else user.language,
    }
    context = {"form": given, "errors": errors or {}, "zones": COMMON_ZONES}
    context["currencies"] = CURRENCIES
    state = service.state_for(session, clock, user.org_id)
    return page(request, state, "org", context, status=422 if errors else 200)


def save_org(
    request: Request, session: Session, clock: Clock, user: ConsoleUser, form: dict[str, str]
) -> Response:
    """The same checks as POST /v1/orgs/init's `org` (OrgDetailsIn), then the same service."""
    try:
        details = OrgDetailsIn.model_validate(form)
    except ValidationError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in exc.errors()}
        return org_form(request, session, clock, user, form, errors)
    service.save_details(session, clock, user.org_id, details.model_dump())
    return redirect(request, f"{BASE}/psp")


def psp_page(
    request: Request,
    session: Session,
    settings: Settings,
    clock: Clock,
    user: ConsoleUser,
    shown: dict[str, Any] | None = None,
) -> Response:
    state = service.state_for(session, clock, user.org_id)
    endpoint = service.endpoint_of(session, state)
    context: dict[str, Any] = {
        "endpoint_url": service.webhook_url(settings.base_url, endpoint) if endpoint else None,
        "events": service.EVENTS.get(state.psp or "", ()),
        "received": service.first_webhook_at(session, state) is not None,
        "secret": None,
        "error": None,
        "error_field": None,
        "chosen": state.psp if state.psp in PSP_FIELDS else "stripe",
        "fields": PSP_FIELDS,
        **(shown or {}),
    }
    status = 422 if context["error"] else 200
    return page(request, state, "psp", context, status=status)


def save_psp(
    request: Request,
    session: Session,
    settings: Settings,
    clock: Clock,
    box: SecretBox,
    user: ConsoleUser,
    form: dict[str, str],
) -> Response:
    """Keys checked with the PSP before anything is stored (psp.connect), then saved with a
    webhook endpoint whose secret this answer shows once; or the sandbox."""
    psp = form.get("psp", "")
    if psp == service.SANDBOX:
        service.connect(session, clock, box, user.org_id, None)
        return redirect(request, f"{BASE}/policy")
    if psp not in PSP_FIELDS:
        return psp_page(request, session, settings, clock, user, {"error": N_("Choose one.")})
    given: dict[str, str | None] = {name: form.get(name) or None for name in PSP_FIELDS[psp]}
    try:
        verified = connect.verify_new(settings, psp, given)
    except AppError as exc:
        field = exc.errors[0]["loc"][-1] if isinstance(exc, Unprocessable) and exc.errors else None
        shown = {"error": exc.detail, "error_field": field, "chosen": psp}
        return psp_page(request, session, settings, clock, user, shown)
    connected = service.connect(session, clock, box, user.org_id, verified)
    return psp_page(request, session, settings, clock, user, {"secret": connected.secret})


def webhook_check(request: Request, session: Session, clock: Clock, user: ConsoleUser) -> Response:
    state = service.state_for(session, clock, user.org_id)
    received = service.first_webhook_at(session, state) is not None
    return render_page(request, "console/onboarding/check.html", {"received": received})


def policy_form(request: Request, session: Session, clock: Clock, user: ConsoleUser) -> Response:
    state = service.state_for(session, clock, user.org_id)
    context = {"presets": PRESETS, "words": PRESET_WORDS, "chosen": state.preset or DEFAULT_PRESET}
    return page(request, state, "policy", context)


def save_policy(
    request: Request, session: Session, clock: Clock, user: ConsoleUser, preset: str
) -> Response:
    if preset not in {p.key for p in PRESETS}:
        return policy_form(request, session, clock, user)
    service.choose_preset(session, clock, user.org_id, preset, user.user_id)
    return redirect(request, f"{BASE}/preview")


def preview(request: Request, session: Session, clock: Clock, user: ConsoleUser) -> Response:
    state = service.state_for(session, clock, user.org_id)
    if state.preset is None:  # nothing picked yet: that step first
        return redirect(request, f"{BASE}/{state.step}")
    org = get_org(session, user.org_id)
    result = run_preview(session, user.org_id, state.preset, org.default_currency, org.timezone)
    return page(request, state, "preview", {"result": result})


def live(request: Request, session: Session, clock: Clock, user: ConsoleUser) -> Response:
    state = service.state_for(session, clock, user.org_id)
    if state.live_at is None and state.step != "live":
        return redirect(request, f"{BASE}/{state.step}")
    return page(request, state, "live", {})
