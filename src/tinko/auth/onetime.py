"""Mailed single-use links as pages open them: what a token is for, and accepting an invite.

The account pages (`/console/reset-password`, `/console/accept-invite`) read a token before
showing their form, so an expired or used link says so at once instead of after a password is
typed; setting the password is `service.reset_password`, the same code as the JSON API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.auth.models import OneTimeToken, User
from tinko.auth.service import reset_password
from tinko.errors import Unprocessable
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.tenancy.models import Organization


@dataclass(frozen=True)
class Holder:
    """Whom a usable token belongs to, as the page greets them."""

    email: str
    name: str
    org_name: str
    org_locale: str


def holder(session: Session, clock: Clock, raw_token: str, purpose: str) -> Holder | None:
    """The user of an unused, unexpired token of `purpose`; None for any other token."""
    if not raw_token or len(raw_token) > 512:
        return None
    stored = session.scalars(
        select(OneTimeToken).where(OneTimeToken.token_digest == token_digest(raw_token))
    ).one_or_none()
    if (
        stored is None
        or stored.purpose != purpose
        or stored.used_at is not None
        or stored.expires_at <= clock.now()
    ):
        return None
    user = session.get_one(User, stored.user_id)
    org = session.get_one(Organization, user.org_id)
    return Holder(user.email, user.name, org.name, org.locale)


def accept_invite(
    session: Session, clock: Clock, raw_token: str, *, password: str, name: str
) -> User:
    """An invited user chooses a password (and may correct their name); they become active."""
    if holder(session, clock, raw_token, "invite") is None:
        raise Unprocessable(
            "This invitation is invalid, used or expired; ask for a new one.", loc=["body", "token"]
        )
    user = reset_password(session, clock, raw_token, password)
    if name.strip():
        user.name = name.strip()
    return user
