"""Routes of docs/api.md "The endpoint groups" → `/v1/psp-credentials/{psp}`, and the sandbox PSP's
webhook intake."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from tinko.apidocs.problems import problems
from tinko.deps import AdminDep, ClockDep, SessionDep, SettingsDep, TinkoRouter
from tinko.errors import NotFound
from tinko.flows.outcomes import sandbox_event_received
from tinko.psp import connect, credentials
from tinko.psp.base import BadSignature, json_object
from tinko.psp.registry import secret_box, webhook_format
from tinko.psp.sandbox_events import signing_secret
from tinko.psp.schemas import PspCredentialsIn, PspCredentialsList, PspCredentialsOut, VerifyOut
from tinko.tenancy.models import Organization

router = TinkoRouter(prefix="/v1/psp-credentials", tags=["psp"])
sandbox_router = TinkoRouter(prefix="/sandbox/webhooks", tags=["sandbox"], include_in_schema=False)


async def read_sessions(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.read_session_factory
    return factory


ReadSessionsDep = Annotated[sessionmaker[Session], Depends(read_sessions)]


@router.get("")
def list_psp_credentials(principal: AdminDep, session: SessionDep) -> PspCredentialsList:
    """Which PSP keys the organisation has saved, per PSP, with a masked hint (admin)."""
    rows = {row.psp: row for row in credentials.list_for(session, principal.org_id)}
    return PspCredentialsList(
        data=[
            PspCredentialsOut.model_validate(credentials.describe(rows.get(psp), psp))
            for psp in credentials.PSPS
        ]
    )


@router.get("/{psp}")
def get_psp_credentials(psp: str, principal: AdminDep, session: SessionDep) -> PspCredentialsOut:
    """The saved keys of one PSP, masked, and when they were last checked (admin)."""
    row = credentials.get(session, principal.org_id, credentials.check_psp(psp))
    return PspCredentialsOut.model_validate(credentials.describe(row, psp))


@router.put("/{psp}", responses=problems(502))
def put_psp_credentials(
    psp: str,
    body: PspCredentialsIn,
    principal: AdminDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PspCredentialsOut:
    """Saves the organisation's keys for a PSP (admin): checked with one real call to the PSP
    first, then stored encrypted. Retries and checkouts then use this account instead of the
    sandbox.
    """
    # Checked with the PSP before anything is stored (and before this unit of work begins).
    keys, detail = connect.verify_new(settings, psp, body.model_dump())
    row = credentials.save(session, clock, secret_box(settings), principal.org_id, keys, detail)
    return PspCredentialsOut.model_validate(credentials.describe(row, psp))


@router.post("/{psp}/verify", responses=problems(502))
def verify_psp_credentials(
    psp: str,
    principal: AdminDep,
    session: SessionDep,
    reads: ReadSessionsDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> VerifyOut:
    """Checks the saved keys with the PSP again (admin) and records the result."""
    verdict = connect.recheck(session, reads, clock, settings, principal.org_id, psp)
    return VerifyOut(ok=verdict.ok, detail=verdict.detail)


@router.delete("/{psp}", status_code=204)
def delete_psp_credentials(psp: str, principal: AdminDep, session: SessionDep) -> Response:
    """Deletes the saved keys of a PSP (admin); its transactions go to the sandbox PSP again."""
    credentials.delete(session, principal.org_id, credentials.check_psp(psp))
    return Response(status_code=204)


async def raw_body(request: Request) -> bytes:
    return await request.body()


@sandbox_router.post("/{org_id}")
def sandbox_webhook(
    org_id: str,
    body: Annotated[bytes, Depends(raw_body)],
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> dict[str, bool]:
    """The sandbox PSP's signed events (sandbox_events.py), verified with the org's secret."""
    if session.get(Organization, org_id) is None:
        raise NotFound("No such organisation.")
    sandbox = webhook_format("sandbox")
    secrets = [signing_secret(settings.secret_key, org_id)]
    sandbox.verify(body, request.headers, secrets)
    event = json_object(body)
    report = sandbox.parse(event)
    event_id = str(event.get("id") or "")
    if not event_id:
        raise BadSignature("The event has no id.")
    new = sandbox_event_received(session, clock, org_id=org_id, event_id=event_id, report=report)
    return {"received": True, "duplicate": not new}
