"""Recovery links: unguessable, signed tokens bound to one case.

A token is 192 random bits plus a 96-bit HMAC of them under a key derived from
TINKO_SECRET_KEY. Forged or mistyped tokens are refused by the signature alone, before any
database read; only the SHA-256 digest of a valid token is stored, so a database leak gives
no working links.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tinko.errors import Gone, NotFound
from tinko.kit import signing
from tinko.kit.clock import Clock
from tinko.kit.crypto import token_digest
from tinko.kit.ids import new_id
from tinko.recovery.models import RecoveryCase, RecoveryLink


@dataclass(frozen=True)
class IssuedLink:
    link: RecoveryLink
    token: str
    url: str


PURPOSE = "tinko/recovery-link/v1"


def make_token(secret_key: str) -> str:
    return signing.sign(secret_key, PURPOSE, signing.b64(secrets.token_bytes(24)))


def signature_valid(secret_key: str, token: str) -> bool:
    body, dot, signature = token.partition(".")
    if not dot or len(body) != 32 or len(signature) != 16:
        return False
    return signing.unsign(secret_key, PURPOSE, token) is not None


def issue_link(
    session: Session,
    clock: Clock,
    *,
    secret_key: str,
    base_url: str,
    case: RecoveryCase,
    ttl: timedelta,
    channel: str | None,
) -> IssuedLink:
    now = clock.now()
    token = make_token(secret_key)
    link = RecoveryLink(
        id=new_id("lnk"),
        org_id=case.org_id,
        case_id=case.id,
        token_digest=token_digest(token),
        channel=channel,
        created_at=now,
        expires_at=now + ttl,
        open_count=0,
    )
    session.add(link)
    return IssuedLink(link, token, f"{base_url}/pay/{token}")


def resolve(
    session: Session, clock: Clock, secret_key: str, token: str, *, for_update: bool = False
) -> tuple[RecoveryLink, RecoveryCase]:
    """The link and its case, or 404 (unknown, forged) / 410 (expired)."""
    if not signature_valid(secret_key, token):
        raise NotFound("This payment link is not valid. Check that it was copied completely.")
    statement = select(RecoveryLink).where(RecoveryLink.token_digest == token_digest(token))
    if for_update:
        statement = statement.with_for_update()
    link = session.scalars(statement).one_or_none()
    if link is None:
        raise NotFound("This payment link is not valid. Check that it was copied completely.")
    if link.expires_at <= clock.now():
        raise Gone("This payment link has expired. Ask the merchant for a new one.")
    case = session.get_one(RecoveryCase, link.case_id)
    return link, case


def record_open(link: RecoveryLink, now: datetime) -> None:
    link.open_count += 1
    if link.first_opened_at is None:
        link.first_opened_at = now
