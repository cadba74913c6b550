"""Routes of docs/api.md "The endpoint groups"."""

from __future__ import annotations

from fastapi import Request, Response

from tinko.apidocs.problems import problems
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


@router.post("/auth/register", status_code=201, responses=problems(409))
def register(
    body: RegisterIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPairOut:
    """Creates an organisation and its first user, its owner, and signs them in. Rate limited
    per IP and per email.
    """
    _limit(limiter, "register", request, body.email)
    return _pair(service.register(session, clock, settings, **body.model_dump()))


@router.post("/auth/login", responses=problems(401))
def login(
    body: LoginIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPairOut:
    """Signs a user in with email and password: a 15-minute access token (send it as
    `Authorization: Bearer`) and a refresh token. A wrong email and a wrong password get
    the same 401.
    """
    _limit(limiter, "login", request, body.email)
    return _pair(service.login(session, clock, settings, email=body.email, password=body.password))


@router.post("/auth/refresh", responses=problems(401))
def refresh(
    body: RefreshIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPairOut:
    """Trades a refresh token for a new pair. Each refresh token works once; presenting a used
    one again is 401 and ends that whole session family.
    """
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
    """Ends the signed-in user's session: its refresh token family stops working. Needs a user's
    bearer token, not an API key.
    """
    raw = body.refresh_token if body else None
    for family in service.logout(session, clock, principal.id, principal.family_id, raw):
        forget_after_commit(session, request.app.state.identity_cache, family)
    return Response(status_code=204)


@router.get("/auth/me")
def me(principal: ViewerDep, session: SessionDep) -> MeOut:
    """Who is calling: the signed-in user or the API key, with its role and organisation."""
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
    """The caller's organisation: name, slug, time zone, default currency and locale."""
    return org_out(get_org(session, principal.org_id))


@router.patch("/auth/org")
def patch_org(body: OrgPatch, principal: AdminDep, session: SessionDep, clock: ClockDep) -> OrgOut:
    """Changes the organisation's settings (admin); only the fields sent change."""
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
    """Emails a single-use password reset link if the address has an account. Always 202, so it
    does not reveal which addresses do.
    """
    _limit(limiter, "forgot", request, body.email)
    service.forgot_password(session, clock, settings, body.email)
    return {"detail": "If an account exists for this email, a reset link is on its way."}


@router.post("/auth/password/reset")
def reset_password(
    body: ResetIn, request: Request, session: SessionDep, clock: ClockDep
) -> dict[str, str]:
    """Sets a new password with the token from the reset email; the token works once."""
    user = service.reset_password(session, clock, body.token, body.password)
    forget_after_commit(session, request.app.state.identity_cache, user.id)
    return {"detail": "Your password is set. Sign in with it now."}


@router.get("/users")
def list_users(principal: OwnerDep, session: SessionDep, page: PageDep) -> Page[UserOut]:
    """The organisation's users and their roles (owner)."""
    rows = members.list_users(session, principal.org_id, page)
    return page_of(rows, page, user_out)


@router.post("/users", status_code=201, responses=problems(409))
def invite_user(
    body: InviteIn,
    principal: OwnerDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> UserOut:
    """Invites a person by email with a role (owner); they set their password from the emailed
    link.
    """
    user = members.invite_user(session, clock, settings, principal.org_id, **body.model_dump())
    return user_out(user)


@router.patch("/users/{user_id}", responses=problems(409))
def change_role(
    user_id: str,
    body: RolePatch,
    request: Request,
    principal: OwnerDep,
    session: SessionDep,
    clock: ClockDep,
) -> UserOut:
    """Changes a user's role (owner). The organisation always keeps at least one owner (409)."""
    user = members.change_role(session, clock, principal.org_id, user_id, body.role)
    forget_after_commit(session, request.app.state.identity_cache, user.id)
    return user_out(user)


@router.delete("/users/{user_id}", status_code=204, responses=problems(409))
def remove_user(
    user_id: str, request: Request, principal: OwnerDep, session: SessionDep
) -> Response:
    """Removes a user from the organisation (owner); their sessions end at once. The last owner
    cannot be removed (409).
    """
    members.remove_user(session, principal.org_id, user_id)
    forget_after_commit(session, request.app.state.identity_cache, user_id)
    return Response(status_code=204)


@router.get("/api-keys")
def list_api_keys(principal: OwnerDep, session: SessionDep, page: PageDep) -> Page[ApiKeyOut]:
    """The organisation's API keys: name, role, prefix and last use; never the key itself
    (owner).
    """
    rows = members.list_api_keys(session, principal.org_id, page)
    return page_of(rows, page, key_out)


@router.post("/api-keys", status_code=201)
def create_api_key(
    body: ApiKeyIn, principal: OwnerDep, session: SessionDep, clock: ClockDep
) -> ApiKeyCreated:
    """Makes an API key for a merchant server (owner). The key is in this answer only; store it
    then. Send it as `X-API-Key`.
    """
    key, raw = members.create_api_key(
        session, clock, principal.org_id, name=body.name, role=body.role, created_by=principal.id
    )
    return ApiKeyCreated(**key_out(key).model_dump(), key=raw)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(
    key_id: str, request: Request, principal: OwnerDep, session: SessionDep, clock: ClockDep
) -> Response:
    """Revokes an API key (owner); calls with it are refused from now on."""
    members.revoke_api_key(session, clock, principal.org_id, key_id)
    forget_after_commit(session, request.app.state.identity_cache, key_id)
    return Response(status_code=204)
