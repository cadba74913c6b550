"""Routes of `/v1/audit`: the org's audit log, its verification, signed checkpoints, the
export, the public key and the retention period (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from tinko.audit import service
from tinko.audit.signing import Signer
from tinko.db import unit_of_work
from tinko.deps import AdminDep, SessionDep, TinkoRouter, ViewerDep, audited_read
from tinko.errors import Unprocessable
from tinko.kit.pagination import MAX_LIMIT

router = TinkoRouter(prefix="/v1/audit", tags=["audit"])
Text = Annotated[str | None, Query(max_length=120)]
Json = dict[str, Any]


class RetentionIn(BaseModel):
    days: int = Field(ge=service.MIN_RETENTION_DAYS, le=service.MAX_RETENTION_DAYS)


async def get_signer(request: Request) -> Signer:
    signer: Signer = request.app.state.audit_signer
    return signer


SignerDep = Annotated[Signer, Depends(get_signer)]


def _cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise Unprocessable("cursor is not one this API issued", loc=["query", "cursor"])
    return int(cursor)


@router.get("")
def list_audit(
    principal: AdminDep,
    session: SessionDep,
    actor: Text = None,
    action: Text = None,
    target: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> Json:
    """The org's audit events, newest first (admin); `action` may end in `*` for a prefix."""
    found = service.Filters(actor, action, target, since, until)
    rows = service.list_events(session, principal.org_id, found, _cursor(cursor), limit)
    more = len(rows) > limit
    data = [service.event_dict(row) for row in rows[:limit]]
    return {"data": data, "next_cursor": str(data[-1]["seq"]) if more else None}


@router.get("/verify")
def verify_audit(principal: AdminDep, session: SessionDep, signer: SignerDep) -> Json:
    """Recompute the org's chain: `{ok, checked, first_bad?}` names the first event that
    was edited, or the first sequence number missing (admin)."""
    return service.verify_org(session, signer.public_keys(), principal.org_id).as_dict()


@router.get("/checkpoints")
def list_checkpoints(
    principal: ViewerDep,
    session: SessionDep,
    signer: SignerDep,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Json:
    """Signed checkpoints of the org's chain, oldest first, and the key that signs them."""
    rows = service.checkpoints(session, principal.org_id, after_seq, limit)
    data = [service.checkpoint_dict(row) for row in rows[:limit]]
    more = len(rows) > limit
    return {
        "key": signer.describe(),
        "data": data,
        "next_after_seq": data[-1]["seq"] if more else None,
    }


@router.get("/public-key")
async def public_key(principal: ViewerDep, signer: SignerDep) -> dict[str, str]:
    """The Ed25519 public key that signs checkpoints and prune records."""
    return signer.describe()


@router.get(
    "/export.jsonl",
    response_class=StreamingResponse,
    dependencies=[Depends(audited_read("audit.exported"))],
)
def export_audit(principal: AdminDep, request: Request, signer: SignerDep) -> StreamingResponse:
    """The key, the last prune record, every event and every checkpoint, one JSON per line;
    `tinko audit verify --file` checks it offline (admin)."""
    stream = _stream(request, signer, principal.org_id)
    return StreamingResponse(stream, media_type="application/x-ndjson")


def _stream(request: Request, signer: Signer, org_id: str) -> Any:
    with unit_of_work(request.app.state.read_session_factory) as session:
        yield from service.export_lines(session, signer, org_id)


@router.get("/retention")
def read_retention(principal: AdminDep, session: SessionDep) -> dict[str, int]:
    """How many days the org's audit events are kept."""
    return {"days": service.retention_days(session, principal.org_id)}


@router.put("/retention")
def set_retention(body: RetentionIn, principal: AdminDep, session: SessionDep) -> dict[str, int]:
    """Keep the org's audit events for 30 to 3650 days; older ones are pruned daily, and
    each pruning leaves a signed record (admin)."""
    return {"days": service.set_retention(session, principal.org_id, body.days)}
