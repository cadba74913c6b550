"""FastAPI dependencies: the unit of work, the caller (user or API key) and role checks.

Dependencies that do no I/O are `async def` so FastAPI runs them on the event loop instead of
sending each through the thread pool; those that touch the database stay `def`.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from tinko.audit import context as audit_context
from tinko.audit.writer import Target
from tinko.audit.writer import record as audit_record
from tinko.auth.identities import Identity, IdentityCache
from tinko.auth.models import ApiKey, RefreshToken, User
from tinko.auth.tokens import API_KEY_PREFIX, AccessClaims, decode_access_token
from tinko.config import Settings
from tinko.db import finish, is_transient, unit_of_work
from tinko.edge import EdgeRoute
from tinko.errors import Forbidden, Unauthorized
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.kit.ratelimit import RateLimiter

Role = Literal["viewer", "admin", "owner"]
ROLE_RANK: dict[str, int] = {"viewer": 0, "admin": 1, "owner": 2}
API_KEY_HEADER = "x-api-key"
# Touching last_used_at on every call would turn each read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: committed if the route returns, rolled back if it raises.

    Sync endpoints finish the unit of work themselves, in their own thread (see TinkoRouter);
    this only finishes one left open, in a pool thread since that does database I/O. Creating
    a session does none, so it happens here on the event loop.
    """
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except BaseException as exc:
        await run_in_threadpool(finish, session, exc)
        raise
    if session.in_transaction():
        await run_in_threadpool(finish, session, None)
    else:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_session)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a console user (JWT) or a merchant server (API key), always in one org."""

    kind: Literal["user", "api_key"]
    id: str
    org_id: str
    role: str
    family_id: str | None = None  # the refresh-token family of a user's session

    def at_least(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


async def get_principal(request: Request, settings: SettingsDep, clock: ClockDep) -> Principal:
    """The caller, from the identity cache or else the database (read outside the request's
    unit of work, so that on SQLite authenticating never holds the write gate)."""
    cache: IdentityCache = request.app.state.identity_cache
    api_key = request.headers.get(API_KEY_HEADER)
    if api_key:
        lookup_key = "key:" + token_digest(api_key.strip())
        identity = cache.get(lookup_key)
        if identity is None:
            identity = await run_in_threadpool(_load_api_key, request, clock, lookup_key[4:])
            cache.put(lookup_key, identity)
        principal = Principal("api_key", identity.id, identity.org_id, identity.role)
        request.state.api_key_id = identity.id  # for the inbound call log (intake.calls)
    else:
        claims = _access_claims(request, settings, clock)
        lookup_key = f"user:{claims.user_id}:{claims.family_id}"
        identity = cache.get(lookup_key)
        if identity is None:
            identity = await run_in_threadpool(_load_user, request, claims)
            cache.put(lookup_key, identity)
        if identity.org_id != claims.org_id:
            raise Unauthorized(_BAD_TOKEN)
        principal = Principal("user", identity.id, identity.org_id, identity.role, claims.family_id)
    request.state.org_id = principal.org_id  # for the access log line
    audit_context.set_actor(principal.kind, principal.id)
    return principal


_BAD_TOKEN = "The access token is invalid or expired; refresh it or sign in again."
_ENDED_SESSION = "This session has ended (signed out or revoked); sign in again."


def _access_claims(request: Request, settings: Settings, clock: Clock) -> AccessClaims:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send `Authorization: Bearer <access token>` or `X-API-Key: <key>`.")
    if token.strip().startswith(API_KEY_PREFIX):
        raise Unauthorized(
            "This is an API key, not an access token: send it as `X-API-Key: <key>`; "
            "`Authorization: Bearer` takes the access token of a signed-in user."
        )
    claims = decode_access_token(settings.secret_key, token.strip(), now=clock.now())
    if claims is None:
        raise Unauthorized(_BAD_TOKEN)
    return claims


def _load_user(request: Request, claims: AccessClaims) -> Identity:
    """The user, if their token's session (refresh family) still has a live refresh token:
    logout, a replayed refresh token and a password reset revoke the family, and with it the
    access tokens already handed out, without a separate revocation list."""
    with request.app.state.read_session_factory() as reader:
        user = reader.get(User, claims.user_id)
        if user is None or user.status != "active":
            raise Unauthorized(_BAD_TOKEN)
        live = select(RefreshToken.id).where(
            RefreshToken.family_id == claims.family_id,
            RefreshToken.user_id == user.id,
            RefreshToken.revoked_at.is_(None),
        )
        if reader.scalars(live.limit(1)).first() is None:
            raise Unauthorized(_ENDED_SESSION)
        return Identity("user", user.id, user.org_id, user.role, claims.family_id)


def _load_api_key(request: Request, clock: Clock, digest: str) -> Identity:
    with request.app.state.read_session_factory() as reader:
        key = reader.scalars(select(ApiKey).where(ApiKey.key_digest == digest)).one_or_none()
        if key is None or key.revoked_at is not None:
            raise Unauthorized("The API key is unknown or revoked.")
        identity = Identity("api_key", key.id, key.org_id, key.role)
        last_used_at = key.last_used_at
    now = clock.now()
    if last_used_at is None or now - last_used_at > _LAST_USED_RESOLUTION:
        # Its own short unit of work: a bookkeeping write that must not join the request's.
        with unit_of_work(request.app.state.session_factory) as session:
            session.execute(update(ApiKey).where(ApiKey.id == identity.id).values(last_used_at=now))
    return identity


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(
    role: Role, *, users_only: bool = False
) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """The one place roles are enforced: owner > admin > viewer."""

    async def dependency(request: Request, principal: PrincipalDep) -> Principal:
        refusal = None
        if users_only and principal.kind != "user":
            refusal = _PERSON_ONLY
        elif not principal.at_least(role):
            refusal = f"This needs the {role} role; you have {principal.role}."
        if refusal is not None:
            # Its own unit of work: the request's rolls back with the 403, the record must not.
            changes = {"needed": role, "role": principal.role}
            await run_in_threadpool(
                record_apart,
                request,
                principal.org_id,
                "access.denied",
                [_route(request)],
                changes,
                "denied",
            )
            raise Forbidden(refusal)
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


_PERSON_ONLY = (
    "This call needs a signed-in person, not an API key: an API key never manages users, "
    "roles, API keys, SSO or 2FA, whatever its role."
)

ViewerDep = Annotated[Principal, Depends(require_role("viewer"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
# What only an owner may do is manage the account itself (people, roles, API keys, and SSO or
# 2FA when they come): that always takes a signed-in person, so a leaked key cannot mint more
# keys or make its holder an owner.
OwnerDep = Annotated[Principal, Depends(require_role("owner", users_only=True))]
UserDep = Annotated[Principal, Depends(require_role("viewer", users_only=True))]


def _route(request: Request) -> Target:
    """The operation refused, as its path template: a raw path could carry another org's ids."""
    route = request.scope.get("route")
    return ("route", f"{request.method} {getattr(route, 'path', '?')}")


def record_apart(
    request: Request,
    org_id: str,
    action: str,
    targets: list[Target],
    changes: dict[str, Any] | None = None,
    outcome: str = "allowed",
) -> None:
    """An audit event in its own unit of work, for what the request's transaction cannot
    carry (a refusal that rolls it back, a streamed export that holds no session)."""
    with unit_of_work(request.app.state.session_factory) as session:
        audit_record(session, org_id, action, targets=targets, changes=changes, outcome=outcome)


def audited_read(action: str) -> Callable[..., Coroutine[Any, Any, None]]:
    """A dependency that records a sensitive read (an export); the route checks the role."""

    async def dependency(request: Request, principal: PrincipalDep) -> None:
        changes = {"query": dict(request.query_params)} if request.query_params else None
        await run_in_threadpool(
            record_apart, request, principal.org_id, action, [_route(request)], changes
        )

    dependency.__name__ = "audit_" + action.replace(".", "_")
    return dependency


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _commit_on_return(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Commit the unit of work at the end of the endpoint, in the endpoint's own thread.

    Finishing in the session dependency instead would take a trip back through the event loop
    to another pool thread; on SQLite the write gate is held all that time, and that wait
    decides how many writes per second one process can take.
    """

    @functools.wraps(endpoint)
    def run_and_commit(*args: Any, **kwargs: Any) -> Any:
        sessions = [value for value in kwargs.values() if isinstance(value, Session)]
        for attempt in range(1, _TRANSACTION_TRIES + 1):
            try:
                result = endpoint(*args, **kwargs)
                for session in sessions:
                    session.commit()
            except OperationalError as exc:
                if attempt == _TRANSACTION_TRIES or not is_transient(exc):
                    _fail(sessions, exc)
                    raise
                # PostgreSQL chose this transaction as a deadlock's victim: run it again.
                for session in sessions:
                    session.rollback()
                continue
            except BaseException as exc:
                _fail(sessions, exc)
                raise
            for session in sessions:
                session.close()
            return result
        raise AssertionError("unreachable")

    return run_and_commit


_TRANSACTION_TRIES = 3


def _fail(sessions: list[Session], error: BaseException) -> None:
    for session in sessions:
        finish(session, error)


class TinkoRouter(APIRouter):
    """APIRouter whose sync endpoints that take a session commit before returning, and whose
    routes refuse control characters in their input (`tinko.edge`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", EdgeRoute)
        super().__init__(**kwargs)

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        takes_session = any(
            typing.get_origin(hint) is Annotated and hint.__metadata__[0] == Depends(get_session)
            for hint in typing.get_type_hints(endpoint, include_extras=True).values()
        )
        if takes_session and not inspect.iscoroutinefunction(endpoint):
            endpoint = _commit_on_return(endpoint)
        super().add_api_route(path, endpoint, **kwargs)
