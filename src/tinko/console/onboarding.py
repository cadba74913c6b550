"""The onboarding wizard for owners of a new organisation (docs/console.md "Onboarding"):
business details → a payment provider (or the sandbox) → a retry policy preset → what it
would recover → go live. Where the organisation is lives in `onboarding_state`, so leaving
half-way and coming back resumes; the steps call the services of POST /v1/orgs/init."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from tinko.console import onboarding_steps as steps
from tinko.console.access import ConsoleOwnerDep, ConsoleOwnerPostDep
from tinko.console.rendering import redirect
from tinko.deps import ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.intake.api import SecretBoxDep
from tinko.onboarding import service

router = TinkoRouter(
    prefix="/console/onboarding", default_response_class=HTMLResponse, include_in_schema=False
)
Text = Annotated[str, Form(max_length=300)]


@router.get("")
def resume(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    """Where the organisation left off."""
    state = service.state_for(session, clock, user.org_id)
    return redirect(request, f"{steps.BASE}/{state.step}")


@router.get("/org")
def org_page(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    return steps.org_form(request, session, clock, user)


@router.post("/org")
def org_submit(
    request: Request, user: ConsoleOwnerPostDep, session: SessionDep, clock: ClockDep,
    name: Text = "", timezone: Text = "", currency: Text = "", language: Text = "",
) -> Response:  # fmt: skip
    form = {"name": name, "timezone": timezone, "currency": currency, "language": language}
    return steps.save_org(request, session, clock, user, form)


@router.get("/psp")
def psp_page(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, settings: SettingsDep,
    clock: ClockDep,
) -> Response:  # fmt: skip
    return steps.psp_page(request, session, settings, clock, user)


@router.post("/psp")
def psp_submit(
    request: Request, user: ConsoleOwnerPostDep, session: SessionDep, settings: SettingsDep,
    clock: ClockDep, box: SecretBoxDep, psp: Text = "", secret_key: Text = "",
    publishable_key: Text = "", key_id: Text = "", key_secret: Text = "",
) -> Response:  # fmt: skip
    form = {"psp": psp, "secret_key": secret_key, "publishable_key": publishable_key}
    form |= {"key_id": key_id, "key_secret": key_secret}
    return steps.save_psp(request, session, settings, clock, box, user, form)


@router.get("/webhook-check")
def webhook_check(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The check that turns green when the first signed webhook arrives (polled by htmx)."""
    return steps.webhook_check(request, session, clock, user)


@router.get("/policy")
def policy_page(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    return steps.policy_form(request, session, clock, user)


@router.post("/policy")
def policy_submit(
    request: Request, user: ConsoleOwnerPostDep, session: SessionDep, clock: ClockDep,
    preset: Text = "",
) -> Response:  # fmt: skip
    return steps.save_policy(request, session, clock, user, preset)


@router.get("/preview")
def preview_page(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    return steps.preview(request, session, clock, user)


@router.post("/live")
def go_live(
    request: Request, user: ConsoleOwnerPostDep, session: SessionDep, clock: ClockDep
) -> Response:
    service.go_live(session, clock, user.org_id)
    return redirect(request, f"{steps.BASE}/live")


@router.get("/live")
def live_page(
    request: Request, user: ConsoleOwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    return steps.live(request, session, clock, user)
