"""`Idempotency-Key` for writes that start money movement or recovery work (docs/api.md).

The first request with a key claims it inside its own unit of work and stores its response
there too, so the claim and the work commit or roll back together: there is never a claimed
key without its response. A concurrent second request with the same key waits on the claim
(PostgreSQL's unique index, SQLite's write lock) and then replays the stored response.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tinko.deps import ClockDep, SessionDep
from tinko.errors import Conflict, Unprocessable
from tinko.intake.models import IdempotencyRecord
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.kit.secretbox import SecretBox
from tinko.kit.upsert import insert_if_absent

KEEP_FOR = timedelta(hours=48)  # docs/api.md promises ≥ 24 h
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces


@dataclass
class Idempotency:
    session: Session
    clock: Clock
    key: str | None
    scope: str  # method and path: one key is not reusable across endpoints

    def run(
        self,
        org_id: str,
        body: BaseModel,
        produce: Callable[[], Any],
        status_code: int,
        *,
        seal: SecretBox | None = None,
    ) -> Response:
        """`seal`: the response holds a secret shown once (orgs/init's webhook secret); it is
        stored encrypted with that box, like every secret at rest."""
        if self.key is None:
            return JSONResponse(_json(produce()), status_code=status_code)
        request_hash = _hash(self.scope, body)
        claimed = insert_if_absent(
            self.session,
            IdempotencyRecord.__table__,  # type: ignore[arg-type]
            {
                "id": new_id("idem"),
                "org_id": org_id,
                "key": self.key,
                "request_hash": request_hash,
                "status_code": 0,
                "response_body": None,
                "created_at": self.clock.now(),
            },
            ["org_id", "key"],
        )
        record = self.session.scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.org_id == org_id, IdempotencyRecord.key == self.key
            )
        ).one()
        if not claimed:
            return _replay(record, request_hash, seal)
        response = JSONResponse(_json(produce()), status_code=status_code)
        record.status_code = status_code
        # The bytes sent, kept as text: a JSON column would give them back re-serialised.
        text = bytes(response.body).decode("utf-8")
        record.response_body = seal.encrypt(text) if seal else text
        return response


def _json(value: Any) -> Any:
    # pydantic's own serialiser is much faster than walking the model with jsonable_encoder.
    return (
        value.model_dump(mode="json") if isinstance(value, BaseModel) else jsonable_encoder(value)
    )


def _replay(record: IdempotencyRecord, request_hash: str, seal: SecretBox | None) -> Response:
    if record.request_hash != request_hash:
        raise Conflict(
            "This Idempotency-Key was already used with a different request; use a new key."
        )
    stored = record.response_body or ""
    return Response(
        (seal.decrypt(stored) if seal and stored else stored).encode("utf-8"),
        status_code=record.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _hash(scope: str, body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


async def get_idempotency(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Idempotency:
    if idempotency_key is not None and not _KEY_PATTERN.match(idempotency_key):
        raise Unprocessable(
            "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.",
            loc=["header", "Idempotency-Key"],
        )
    scope = f"{request.method} {request.url.path}"
    return Idempotency(session, clock, idempotency_key, scope)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]


def prune(session: Session, clock: Clock) -> int:
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - KEEP_FOR)
    )
    return int(getattr(result, "rowcount", 0) or 0)
