"""Routes of docs/api.md "The endpoint groups"."""

from __future__ import annotations

from fastapi import Request, Response

from tinko.auth import members, service
from tinko.auth.identities import forget_after_commit
from tinko.auth.models import ApiKey, User
from tinko.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    ForgotIn,
    InviteIn,
    LoginIn,
    LogoutIn,
    MeOut,
    OrgOut,
    OrgPatch,
    RefreshIn,
    RegisterIn,
    ResetIn,
    RolePatch,
    TokenPairOut,
    UserOut,
)
from tinko.deps import (
    AdminDep,
    ClockDep,
    OwnerDep,
    RateLimiterDep,
    SessionDep,
    SettingsDep,
    TinkoRouter,
    UserDep,
    ViewerDep,
    client_ip,
)
from tinko.errors import RateLimited
from tinko.kit.crypto import token_digest
from tinko.kit.pagination import Page, PageDep, page_of
from tinko.kit.ratelimit import RateLimiter, RateLimitExceeded
from tinko.tenancy.models import Organization
from tinko.tenancy.service import get_org, update_org

router = TinkoRouter(prefix="/v1", tags=["auth"])


def _limit(limiter: RateLimiter, name: str, request: Request, account: str) -> None:
    try:
        limiter.hit(name, f"ip:{client_ip(request)}", f"account:{token_digest(account.lower())}")
    except RateLimitExceeded as exc:
        raise RateLimited(exc.retry_after_seconds) from None


def _pair(result: service.AuthSession) -> TokenPairOut:
    return TokenPairOut(
        user=user_out(result.user),
        org=org_out(result.org),
        access_token=result.access_token,
        refresh_token=result.refresh_token,
        expires_in=result.expires_in,
    )


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        org_id=user.org_id,
        status=user.status,
        created_at=user.created_at,
    )


def org_out(org: Organization) -> OrgOut:
    return OrgOut.model_validate(org, from_attributes=True)


def key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key, from_attributes=True)


@router.post("/auth/register", status_code=201)
def register(
    body: RegisterIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPairOut:
    _limit(limiter, "register", request, body.email)
    return _pair(service.register(session, clock, settings, **body.model_dump()))


@router.post("/auth/login")
def login(
    body: LoginIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPairOut:
    _limit(limiter, "login", request, body.email)
    return _pair(service.login(session, clock, settings, email=body.email, password=body.password))


@router.post("/auth/refresh")
def refresh(
    body: RefreshIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPairOut:
    _limit(limiter, "refresh", request, body.refresh_token)
    try:
        return _pair(service.refresh(session, clock, settings, body.refresh_token))
    except service.RefreshTokenReused as exc:  # its access tokens end with the family
        forget_after_commit(session, request.app.state.identity_cache, exc.family_id)
        raise


@router.post("/auth/logout", status_code=204)
def logout(
    request: Request,
    principal: UserDep,
    session: SessionDep,
    clock: ClockDep,
    body: LogoutIn | None = None,
) -> Response:
    raw = body.refresh_token if body else None
    for family in service.logout(session, clock, principal.id, principal.family_id, raw):
        forget_after_commit(session, request.app.state.identity_cache, family)
    return Response(status_code=204)


@router.get("/auth/me")
def me(principal: ViewerDep, session: SessionDep) -> MeOut:
    if principal.kind == "user":
        user = session.get_one(User, principal.id)
        return MeOut(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            org_id=user.org_id,
            kind="user",
        )
    key = session.get_one(ApiKey, principal.id)
    return MeOut(
        id=key.id, email=None, name=key.name, role=key.role, org_id=key.org_id, kind="api_key"
    )


@router.get("/auth/org")
def read_org(principal: ViewerDep, session: SessionDep) -> OrgOut:
    return org_out(get_org(session, principal.org_id))


@router.patch("/auth/org")
def patch_org(body: OrgPatch, principal: AdminDep, session: SessionDep, clock: ClockDep) -> OrgOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return org_out(update_org(session, clock, principal.org_id, changes))


@router.post("/auth/password/forgot", status_code=202)
def forgot_password(
    body: ForgotIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> dict[str, str]:
    _limit(limiter, "forgot", request, body.email)
    service.forgot_password(session, clock, settings, body.email)
    return {"detail": "If an account exists for this email, a reset link is on its way."}


@router.post("/auth/password/reset")
def reset_password(
    body: ResetIn, request: Request, session: SessionDep, clock: ClockDep
) -> dict[str, str]:
    user = service.reset_password(session, clock, body.token, body.password)
    forget_after_commit(session, request.app.state.identity_cache, user.id)
    return {"detail": "Your password is set. Sign in with it now."}


@router.get("/users")
def list_users(principal: OwnerDep, session: SessionDep, page: PageDep) -> Page[UserOut]:
    rows = members.list_users(session, principal.org_id, page)
    return page_of(rows, page, user_out)


@router.post("/users", status_code=201)
def invite_user(
    body: InviteIn,
    principal: OwnerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> UserOut:
    user = members.invite_user(session, clock, settings, principal.org_id, **body.model_dump())
    return user_out(user)


@router.patch("/users/{user_id}")
def change_role(
    user_id: str,
    body: RolePatch,
    request: Request,
    principal: OwnerDep,
    session: SessionDep,
    clock: ClockDep,
) -> UserOut:
    user = members.change_role(session, clock, principal.org_id, user_id, body.role)
    forget_after_commit(session, request.app.state.identity_cache, user.id)
    return user_out(user)


@router.delete("/users/{user_id}", status_code=204)
def remove_user(
    user_id: str, request: Request, principal: OwnerDep, session: SessionDep
) -> Response:
    members.remove_user(session, principal.org_id, user_id)
    forget_after_commit(session, request.app.state.identity_cache, user_id)
    return Response(status_code=204)


@router.get("/api-keys")
def list_api_keys(principal: OwnerDep, session: SessionDep, page: PageDep) -> Page[ApiKeyOut]:
    rows = members.list_api_keys(session, principal.org_id, page)
    return page_of(rows, page, key_out)


@router.post("/api-keys", status_code=201)
def create_api_key(
    body: ApiKeyIn, principal: OwnerDep, session: SessionDep, clock: ClockDep
) -> ApiKeyCreated:
    key, raw = members.create_api_key(
        session, clock, principal.org_id, name=body.name, role=body.role, created_by=principal.id
    )
    return ApiKeyCreated(**key_out(key).model_dump(), key=raw)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(
    key_id: str, request: Request, principal: OwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    members.revoke_api_key(session, clock, principal.org_id, key_id)
    forget_after_commit(session, request.app.state.identity_cache, key_id)
    return Response(status_code=204)
