from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from tinko.apidocs.problems import problems
from tinko.errors import ServiceUnavailable

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: answers 200 while the process can serve requests; checks nothing else."""
    return {"status": "ok"}


@router.get("/readyz", responses=problems(503))
def readyz(request: Request) -> dict[str, str]:
    """Readiness: checks the database (and the broker when one is configured); 503 naming the
    one that is down.
    """
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}") from None
    broker = request.app.state.broker_check
    if broker is not None:
        if not broker():
            raise ServiceUnavailable("broker unreachable")
        checks["broker"] = "ok"
    return {"status": "ok", **checks}


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
