"""Routes of docs/api.md "Onboarding in one call": `POST /v1/orgs/init`."""

from __future__ import annotations

from fastapi import Response

from tinko.apidocs.problems import problems
from tinko.auth.api import org_out
from tinko.config import Settings
from tinko.deps import AdminDep, ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.intake.api import SecretBoxDep
from tinko.intake.idempotency import IdempotencyDep
from tinko.onboarding import service
from tinko.onboarding.schemas import (
    OnboardingOut,
    OrgInitIn,
    OrgInitOut,
    PolicyChoiceOut,
    PspOut,
    WebhookOut,
)
from tinko.psp import connect
from tinko.psp.credentials import Keys

router = TinkoRouter(prefix="/v1/orgs", tags=["onboarding"])


def verified_keys(settings: Settings, body: OrgInitIn) -> tuple[Keys, str] | None:
    """The keys checked with their PSP (422 with its reason, 502 unreachable), located under
    `psp` in the body; None for the sandbox. No lock is held while the PSP answers."""
    if body.psp.name == service.SANDBOX:
        return None
    given = body.psp.model_dump(exclude={"name"})
    return connect.verify_new(settings, body.psp.name, given, loc=("body", "psp"))


def init_out(settings: Settings, done: service.Initialised) -> OrgInitOut:
    webhook = service.describe(settings, done.connected)
    connected = done.connected
    return OrgInitOut(
        org=org_out(done.org),
        psp=PspOut(name=connected.psp, livemode=connected.livemode, verify_detail=connected.detail),
        webhook=WebhookOut(**webhook) if webhook else None,
        policy=PolicyChoiceOut(
            preset=done.state.preset or "", policy_id=done.policy.id if done.policy else None
        ),
        onboarding=OnboardingOut(step=done.state.step, live=done.state.live_at is not None),
    )


@router.post("/init", response_model=OrgInitOut, responses=problems(409, 502))
def init_org(
    body: OrgInitIn,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    box: SecretBoxDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Onboards the caller's organisation in one call (admin): its details, PSP keys checked
    with the PSP (or the sandbox) and a webhook endpoint for it, a retry policy preset. All or
    nothing; the webhook secret is in this answer only. Send `Idempotency-Key` to replay it."""
    verified = verified_keys(settings, body)

    def produce() -> OrgInitOut:
        done = service.init_org(
            session, clock, box, principal.org_id, principal.id,
            details=body.org.model_dump(), verified=verified,
            preset=body.policy_preset, live=body.go_live,
        )  # fmt: skip
        return init_out(settings, done)

    return idempotency.run(principal.org_id, body, produce, status_code=200, seal=box)
