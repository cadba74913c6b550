"""Opt-outs: signed unsubscribe tokens and the per-channel opt-out list.

A token names (org, channel, recipient digest) and carries a 96-bit HMAC under a key derived
from TINKO_SECRET_KEY, as recovery links do: a forged or altered token is refused before any
database read, and the address itself never appears in the URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tinko.errors import NotFound
from tinko.kit import signing
from tinko.kit.clock import Clock
from tinko.kit.ids import new_id
from tinko.notify.contacts import CHANNELS, recipient_digest
from tinko.notify.models import NotificationOptOut

_INVALID = "This unsubscribe link is not valid. Check that it was copied completely."


@dataclass(frozen=True)
class OptOutTarget:
    org_id: str
    channel: str
    digest: str


PURPOSE = "tinko/unsubscribe/v1"


def make_token(secret_key: str, org_id: str, channel: str, recipient: str) -> str:
    payload = f"{org_id}:{channel}:{recipient_digest(recipient)}"
    return signing.sign(secret_key, PURPOSE, signing.b64(payload.encode()))


def unsubscribe_url(
    base_url: str, secret_key: str, org_id: str, channel: str, recipient: str
) -> str:
    return f"{base_url}/unsubscribe/{make_token(secret_key, org_id, channel, recipient)}"


def read_token(secret_key: str, token: str) -> OptOutTarget:
    """The target of a genuine token, or NotFound."""
    body = signing.unsign(secret_key, PURPOSE, token) if len(token) <= 300 else None
    if body is None:
        raise NotFound(_INVALID)
    try:
        payload = signing.unb64(body).decode()
    except (UnicodeDecodeError, ValueError):
        raise NotFound(_INVALID) from None
    org_id, _, rest = payload.partition(":")
    channel, _, digest = rest.partition(":")
    if channel not in CHANNELS or len(digest) != 64:
        raise NotFound(_INVALID)
    return OptOutTarget(org_id, channel, digest)


def is_opted_out(session: Session, org_id: str, channel: str, recipient: str) -> bool:
    return (
        session.scalar(
            select(NotificationOptOut.id).where(
                NotificationOptOut.org_id == org_id,
                NotificationOptOut.channel == channel,
                NotificationOptOut.recipient_digest == recipient_digest(recipient),
            )
        )
        is not None
    )


def opt_out(session: Session, clock: Clock, target: OptOutTarget, source: str) -> None:
    """Record the opt-out; doing it twice (a double click, a retried POST) changes nothing."""
    exists = select(NotificationOptOut.id).where(
        NotificationOptOut.org_id == target.org_id,
        NotificationOptOut.channel == target.channel,
        NotificationOptOut.recipient_digest == target.digest,
    )
    if session.scalar(exists) is not None:
        return
    try:
        with session.begin_nested():
            session.add(
                NotificationOptOut(
                    id=new_id("opt"),
                    org_id=target.org_id,
                    channel=target.channel,
                    recipient_digest=target.digest,
                    source=source,
                    created_at=clock.now(),
                )
            )
    except IntegrityError:
        pass  # a concurrent request recorded the same opt-out first
