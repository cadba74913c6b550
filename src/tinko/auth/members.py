"""Managing an organisation's people and API keys (owner only; enforced by the routes' role)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tinko.auth.models import ApiKey, User
from tinko.auth.service import INVITE_TOKEN_TTL, issue_one_time_token, normalise_email
from tinko.auth.tokens import API_KEY_PREFIX
from tinko.config import Settings
from tinko.errors import Conflict, NotFound
from tinko.kit.clock import Clock
from tinko.kit.crypto import random_token, token_digest
from tinko.kit.ids import new_id
from tinko.kit.pagination import PageParams, paginate
from tinko.notify.mail import Mail, queue_mail
from tinko.tenancy.models import Organization


def list_users(session: Session, org_id: str, params: PageParams) -> list[User]:
    statement = paginate(select(User).where(User.org_id == org_id), User.id, params)
    return list(session.scalars(statement).all())


def get_user(session: Session, org_id: str, user_id: str) -> User:
    user = session.scalars(
        select(User).where(User.org_id == org_id, User.id == user_id)
    ).one_or_none()
    if user is None:
        raise NotFound("No such user in this organisation.")
    return user


def invite_user(
    session: Session,
    clock: Clock,
    settings: Settings,
    org_id: str,
    *,
    email: str,
    role: str,
    name: str,
) -> User:
    """Invite `email` to the org and mail them a link to choose a password.

    Any owner can ask about any address, and an address has one account service-wide, so an
    address of another organisation must not show: it gets the same 201 (an invitation that
    is never stored) and its holder a mail saying so. This org's own members are a 409: its
    owner sees them in the list anyway. See README "Access".
    """
    email = normalise_email(email)
    org = session.get_one(Organization, org_id)
    now = clock.now()
    user = User(
        id=new_id("usr"),
        org_id=org_id,
        email=email,
        name=name,
        role=role,
        password_hash=None,
        status="invited",
        created_at=now,
        updated_at=now,
    )
    decoy = User(**{c.key: getattr(user, c.key) for c in User.__table__.columns})
    savepoint = session.begin_nested()
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        holder = session.scalars(select(User).where(User.email == email)).one_or_none()
        if holder is None or holder.org_id == org_id:
            raise Conflict("This address is already a member of this organisation.") from None
        _tell_holder_of_invite(session, clock, settings, holder, org)
        return decoy
    savepoint.commit()
    token = issue_one_time_token(session, clock, user, "invite", INVITE_TOKEN_TTL)
    link = f"{settings.base_url}/console/accept-invite?token={token}"
    queue_mail(
        session,
        clock,
        org_id,
        Mail(
            to=email,
            subject=f"You are invited to {org.name} on Tinko Recovery",
            text=(
                f"You have been invited to join {org.name} on Tinko Recovery as {role}.\n\n"
                f"Choose your password within 7 days here:\n{link}\n\nInvitation token: {token}\n"
            ),
            kind="invite",
        ),
    )
    return user


def _tell_holder_of_invite(
    session: Session, clock: Clock, settings: Settings, holder: User, org: Organization
) -> None:
    queue_mail(
        session,
        clock,
        holder.org_id,
        Mail(
            to=holder.email,
            subject=f"{org.name} tried to invite you to Tinko Recovery",
            text=(
                f"{org.name} invited {holder.email} to join them on Tinko Recovery, but this "
                "address already belongs to another organisation, and an address can belong to "
                "one only. Nothing was changed.\n\nTo join them, ask for an invitation to "
                f"another address. To sign in as usual: {settings.base_url}/console/login\n"
            ),
            kind="invite_declined",
        ),
    )


def change_role(session: Session, clock: Clock, org_id: str, user_id: str, role: str) -> User:
    _lock_org(session, org_id)
    user = get_user(session, org_id, user_id)
    if user.role == "owner" and role != "owner":
        _keep_an_owner(session, org_id, user)
    user.role = role
    user.updated_at = clock.now()
    return user


def remove_user(session: Session, org_id: str, user_id: str) -> None:
    _lock_org(session, org_id)
    user = get_user(session, org_id, user_id)
    if user.role == "owner":
        _keep_an_owner(session, org_id, user)
    session.delete(user)


def _lock_org(session: Session, org_id: str) -> None:
    # Serialises concurrent demotions so two owners cannot both step down at once.
    session.scalars(
        select(Organization.id).where(Organization.id == org_id).with_for_update()
    ).one()


def _keep_an_owner(session: Session, org_id: str, leaving: User) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.org_id == org_id,
            User.role == "owner",
            User.status == "active",
            User.id != leaving.id,
        )
    )
    if not others:
        raise Conflict("An organisation must keep at least one owner; promote someone else first.")


def list_api_keys(session: Session, org_id: str, params: PageParams) -> list[ApiKey]:
    statement = paginate(select(ApiKey).where(ApiKey.org_id == org_id), ApiKey.id, params)
    return list(session.scalars(statement).all())


def create_api_key(
    session: Session, clock: Clock, org_id: str, *, name: str, role: str, created_by: str
) -> tuple[ApiKey, str]:
    """Returns the stored key and the raw key, which is shown once and never stored."""
    secret = random_token(32)
    raw = f"{API_KEY_PREFIX}{secret}"
    key = ApiKey(
        id=new_id("key"),
        org_id=org_id,
        name=name,
        role=role,
        prefix=raw[: len(API_KEY_PREFIX) + 8],
        key_digest=token_digest(raw),
        created_by=created_by,
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    return key, raw


def revoke_api_key(session: Session, clock: Clock, org_id: str, key_id: str) -> None:
    key = session.scalars(
        select(ApiKey).where(ApiKey.org_id == org_id, ApiKey.id == key_id)
    ).one_or_none()
    if key is None:
        raise NotFound("No such API key in this organisation.")
    if key.revoked_at is None:
        key.revoked_at = clock.now()
