"""FastAPI dependencies: the unit of work, the caller (user or API key) and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tinko.auth.models import ApiKey, User
from tinko.auth.tokens import decode_access_token
from tinko.config import Settings
from tinko.db import unit_of_work
from tinko.errors import Forbidden, Unauthorized
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.kit.ratelimit import RateLimiter

Role = Literal["viewer", "admin", "owner"]
ROLE_RANK: dict[str, int] = {"viewer": 0, "admin": 1, "owner": 2}
API_KEY_HEADER = "x-api-key"
# Touching last_used_at on every call would turn each read into a write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed if the route returns, rolled back if it raises."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


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


def get_principal(
    request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Principal:
    principal = _authenticate(request, session, settings, clock)
    request.state.org_id = principal.org_id  # for the access log line
    return principal


def _authenticate(
    request: Request, session: Session, settings: Settings, clock: Clock
) -> Principal:
    api_key = request.headers.get(API_KEY_HEADER)
    if api_key:
        return _principal_from_api_key(session, clock, api_key)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send `Authorization: Bearer <access token>` or `X-API-Key: <key>`.")
    claims = decode_access_token(settings.secret_key, token.strip(), now=clock.now())
    if claims is None:
        raise Unauthorized("The access token is invalid or expired; refresh it or sign in again.")
    user = session.get(User, claims.user_id)
    if user is None or user.org_id != claims.org_id or user.status != "active":
        raise Unauthorized("The access token is invalid or expired; refresh it or sign in again.")
    return Principal("user", user.id, user.org_id, user.role, claims.family_id)


def _principal_from_api_key(session: Session, clock: Clock, raw_key: str) -> Principal:
    key = session.scalars(
        select(ApiKey).where(ApiKey.key_digest == token_digest(raw_key.strip()))
    ).one_or_none()
    if key is None or key.revoked_at is not None:
        raise Unauthorized("The API key is unknown or revoked.")
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    return Principal("api_key", key.id, key.org_id, key.role)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(role: Role, *, users_only: bool = False) -> Callable[..., Principal]:
    """The one place roles are enforced: owner > admin > viewer."""

    def dependency(principal: PrincipalDep) -> Principal:
        if users_only and principal.kind != "user":
            raise Forbidden("This call needs a signed-in user, not an API key.")
        if not principal.at_least(role):
            raise Forbidden(f"This needs the {role} role; you have {principal.role}.")
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


ViewerDep = Annotated[Principal, Depends(require_role("viewer"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]
OwnerDep = Annotated[Principal, Depends(require_role("owner"))]
UserDep = Annotated[Principal, Depends(require_role("viewer", users_only=True))]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
