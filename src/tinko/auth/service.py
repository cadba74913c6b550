"""Sign-up, sign-in, token rotation and password resets. Services flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tinko import audit
from tinko.auth.models import OneTimeToken, RefreshToken, User
from tinko.auth.passwords import check_strength, hash_password, needs_rehash, verify_password
from tinko.auth.tokens import issue_access_token
from tinko.config import Settings
from tinko.errors import Conflict, Unauthorized, Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.crypto import random_token, token_digest
from tinko.kit.ids import new_id
from tinko.notify.mail import Mail, queue_mail
from tinko.tenancy.models import Organization
from tinko.tenancy.service import create_org

RESET_TOKEN_TTL = timedelta(hours=1)
INVITE_TOKEN_TTL = timedelta(days=7)
BAD_CREDENTIALS = "The email or password is incorrect."


class RefreshTokenReused(Unauthorized):
    # The revocation must stick even though the request fails.
    commit_changes = True

    def __init__(self, family_id: str) -> None:
        super().__init__("This refresh token was already used; the session has been revoked.")
        self.family_id = family_id


class FailedSignIn(Unauthorized):
    # Nothing else changed; the audit event of the failed attempt must stick.
    commit_changes = True


@dataclass(frozen=True)
class AuthSession:
    user: User
    org: Organization
    access_token: str
    refresh_token: str
    expires_in: int
    family_id: str  # the session's refresh-token family (the console's cookie names it)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def register(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    email: str,
    password: str,
    org_name: str,
    name: str,
) -> AuthSession:
    """A new organisation and its owner, signed in.

    A taken address must not show: it gets the same 201, after the same work (the password is
    hashed and the organisation inserted, then rolled back), with a session that opens nothing;
    the address's holder is mailed instead, as serious products do. See README "Access".
    """
    email = normalise_email(email)
    check_strength(password, related=[email, email.split("@")[0], name, org_name])
    password_hash = hash_password(password)
    now = clock.now()
    savepoint = session.begin_nested()
    org = create_org(session, clock, org_name)
    decoy_org = _detached_copy(org)
    user = User(
        id=new_id("usr"),
        org_id=org.id,
        email=email,
        name=name,
        role="owner",
        password_hash=password_hash,
        status="active",
        created_at=now,
        updated_at=now,
    )
    decoy_user = User(**{**_columns(user), "password_hash": None})
    session.add(user)
    try:
        session.flush()  # the unique address decides, so a concurrent registration is covered
    except IntegrityError:
        savepoint.rollback()
        holder = session.scalars(select(User).where(User.email == email)).one_or_none()
        if holder is None:  # some other clash (an organisation's slug): nothing to hide
            raise Conflict("The organisation could not be created; try again.") from None
        _tell_holder_of_signup(session, clock, settings, holder)
        return _session_for(clock, settings, decoy_user, decoy_org, new_id("fam"), random_token())
    savepoint.commit()
    return start_session(session, clock, settings, user, org)


def _tell_holder_of_signup(
    session: Session, clock: Clock, settings: Settings, holder: User
) -> None:
    queue_mail(
        session,
        clock,
        holder.org_id,
        Mail(
            to=holder.email,
            subject="You already have a Tinko account",
            text=(
                f"Someone, perhaps you, tried to sign up to Tinko Recovery with {holder.email}, "
                "which already has an account. Nothing was created or changed.\n\n"
                f"To sign in: {settings.base_url}/console/login\n"
                f"Forgot your password? {settings.base_url}/console/forgot-password\n\n"
                "If it was not you, ignore this mail."
            ),
            kind="account_exists",
        ),
    )


def _columns(row: User | Organization) -> dict[str, object]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def _detached_copy(org: Organization) -> Organization:
    """A transient copy that outlives a rolled-back savepoint (defaults already filled)."""
    return Organization(**_columns(org))


def login(
    session: Session, clock: Clock, settings: Settings, *, email: str, password: str
) -> AuthSession:
    user = session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()
    # verify_password runs argon2 even for unknown accounts, so timing does not reveal them.
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.status != "active":
        if user is not None:  # an account's failed sign-in is its org's business
            audit.record(
                session,
                user.org_id,
                "auth.sign_in_failed",
                targets=[("user", user.id)],
                outcome="denied",
                actor=audit.ANONYMOUS,
            )
            raise FailedSignIn(BAD_CREDENTIALS)
        raise Unauthorized(BAD_CREDENTIALS)
    assert user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    org = session.get_one(Organization, user.org_id)
    audit.record(
        session,
        org.id,
        "auth.sign_in",
        targets=[("user", user.id)],
        actor=audit.Actor("user", user.id),
    )
    return start_session(session, clock, settings, user, org)


def start_session(
    session: Session, clock: Clock, settings: Settings, user: User, org: Organization
) -> AuthSession:
    family_id = new_id("fam")
    refresh = _new_refresh_token(session, clock, settings, user, family_id)
    return _session_for(clock, settings, user, org, family_id, refresh)


def refresh(session: Session, clock: Clock, settings: Settings, raw_token: str) -> AuthSession:
    now = clock.now()
    stored = session.scalars(
        select(RefreshToken)
        .where(RefreshToken.token_digest == token_digest(raw_token))
        .with_for_update()
    ).one_or_none()
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise Unauthorized("The refresh token is invalid or expired; sign in again.")
    if stored.rotated_at is not None:
        # A rotated token came back: someone holds a copy. Revoke the whole family.
        revoke_family(session, clock, stored.family_id)
        raise RefreshTokenReused(stored.family_id)
    user = session.get(User, stored.user_id)
    if user is None or user.status != "active":
        raise Unauthorized("The refresh token is invalid or expired; sign in again.")
    stored.rotated_at = now
    org = session.get_one(Organization, user.org_id)
    new_raw = _new_refresh_token(session, clock, settings, user, stored.family_id)
    return _session_for(clock, settings, user, org, stored.family_id, new_raw)


def revoke_family(session: Session, clock: Clock, family_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def revoke_all_sessions(session: Session, clock: Clock, user_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def logout(
    session: Session, clock: Clock, user_id: str, family_id: str | None, raw: str | None
) -> list[str]:
    """Revoke the caller's session family (and that of `raw`, if theirs); returns the ids."""
    families = [family_id] if family_id else []
    if raw:
        stored = session.scalars(
            select(RefreshToken).where(RefreshToken.token_digest == token_digest(raw))
        ).one_or_none()
        if stored is not None and stored.user_id == user_id:
            families.append(stored.family_id)
    for family in families:
        revoke_family(session, clock, family)
    org_id = session.scalars(select(User.org_id).where(User.id == user_id)).one()
    audit.record(session, org_id, "auth.sign_out", targets=[("user", user_id)])
    return families


def forgot_password(session: Session, clock: Clock, settings: Settings, email: str) -> None:
    user = session.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()
    if user is None or user.status != "active":
        return  # the answer is the same either way; nothing is sent
    token = issue_one_time_token(session, clock, user, "reset", RESET_TOKEN_TTL)
    link = f"{settings.base_url}/console/reset-password?token={token}"
    queue_mail(
        session,
        clock,
        user.org_id,
        Mail(
            to=user.email,
            subject="Reset your Tinko password",
            text=(
                f"Someone asked to reset the password of {user.email} on Tinko Recovery.\n\n"
                f"To choose a new password, open this link within an hour:\n{link}\n\n"
                f"Reset token: {token}\n\nIf it was not you, ignore this mail; nothing changes."
            ),
            kind="password_reset",
        ),
    )


def issue_one_time_token(
    session: Session, clock: Clock, user: User, purpose: str, ttl: timedelta
) -> str:
    now = clock.now()
    # Only the newest link works: earlier unused ones of the same purpose are retired.
    session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    raw = random_token()
    session.add(
        OneTimeToken(
            id=new_id("ott"),
            org_id=user.org_id,
            user_id=user.id,
            purpose=purpose,
            token_digest=token_digest(raw),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return raw


def reset_password(session: Session, clock: Clock, raw_token: str, password: str) -> User:
    now = clock.now()
    stored = session.scalars(
        select(OneTimeToken)
        .where(OneTimeToken.token_digest == token_digest(raw_token))
        .with_for_update()
    ).one_or_none()
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise Unprocessable(
            "This reset link is invalid, used or expired; ask for a new one.", loc=["body", "token"]
        )
    user = session.get_one(User, stored.user_id)
    check_strength(password, related=[user.email, user.email.split("@")[0], user.name])
    stored.used_at = now
    user.password_hash = hash_password(password)
    user.status = "active"
    user.updated_at = now
    revoke_all_sessions(session, clock, user.id)
    return user


def _new_refresh_token(
    session: Session, clock: Clock, settings: Settings, user: User, family_id: str
) -> str:
    now = clock.now()
    raw = random_token()
    session.add(
        RefreshToken(
            id=new_id("rtk"),
            org_id=user.org_id,
            user_id=user.id,
            family_id=family_id,
            token_digest=token_digest(raw),
            created_at=now,
            expires_at=now + timedelta(days=settings.refresh_token_days),
        )
    )
    return raw


def _session_for(
    clock: Clock, settings: Settings, user: User, org: Organization, family_id: str, refresh: str
) -> AuthSession:
    ttl = timedelta(minutes=settings.access_token_minutes)
    access = issue_access_token(
        settings.secret_key,
        user_id=user.id,
        org_id=user.org_id,
        family_id=family_id,
        now=clock.now(),
        ttl=ttl,
    )
    return AuthSession(user, org, access, refresh, int(ttl.total_seconds()), family_id)
