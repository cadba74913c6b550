"""Opt-outs: signed unsubscribe tokens and the per-channel opt-out list.

A token names (org, channel, recipient digest) and carries a 96-bit HMAC under a key derived
from TINKO_SECRET_KEY, as recovery links do: a forged or altered token is refused before any
database read, and the address itself never appears in the URL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tinko.errors import NotFound
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


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"tinko/unsubscribe/v1", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _signature(secret_key: str, body: str) -> str:
    return _b64(hmac.new(_key(secret_key), body.encode(), hashlib.sha256).digest()[:12])


def make_token(secret_key: str, org_id: str, channel: str, recipient: str) -> str:
    payload = f"{org_id}:{channel}:{recipient_digest(recipient)}"
    body = _b64(payload.encode())
    return f"{body}.{_signature(secret_key, body)}"


def unsubscribe_url(
    base_url: str, secret_key: str, org_id: str, channel: str, recipient: str
) -> str:
    return f"{base_url}/unsubscribe/{make_token(secret_key, org_id, channel, recipient)}"


def read_token(secret_key: str, token: str) -> OptOutTarget:
    """The target of a genuine token, or NotFound."""
    body, dot, signature = token.partition(".")
    if (
        not dot
        or len(token) > 300
        or not hmac.compare_digest(signature.encode(), _signature(secret_key, body).encode())
    ):
        raise NotFound(_INVALID)
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
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
