"""Who is behind an API key or a user id, remembered for a few seconds.

Every request authenticates. Reading the database for it each time would cost a query and,
more, a trip to a pool thread before the route can start. Changes made through this process
(revoking a key, changing a role, removing a user, ending a session) forget the entry at once;
another process serving the same database sees them within TTL_SECONDS.

A user's entry is per session (refresh-token family), so it also says the session is still
live: that is how an access token stops working when its session is logged out or revoked.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

TTL_SECONDS = 5.0
MAX_ENTRIES = 50_000


@dataclass(frozen=True)
class Identity:
    kind: str  # user | api_key
    id: str
    org_id: str
    role: str
    session: str | None = None  # a user's refresh-token family, checked live when loaded


class IdentityCache:
    def __init__(self, ttl_seconds: float = TTL_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, Identity]] = {}
        self._lock = threading.Lock()

    def get(self, lookup_key: str) -> Identity | None:
        entry = self._entries.get(lookup_key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, lookup_key: str, identity: Identity) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # bounded memory; entries come back on the next request
            self._entries[lookup_key] = (time.monotonic() + self._ttl, identity)

    def forget(self, identity_id: str) -> None:
        """Forget entries of a key, a user (all their sessions) or one session."""
        with self._lock:
            stale = [
                k
                for k, (_, identity) in self._entries.items()
                if identity_id in (identity.id, identity.session)
            ]
            for lookup_key in stale:
                del self._entries[lookup_key]


_FORGET = "tinko.forget_identities"


def forget_after_commit(session: Session, cache: IdentityCache, identity_id: str) -> None:
    """Forget a changed identity once the change is committed, not before: a request reading
    in between would otherwise cache the old state again."""
    session.info.setdefault(_FORGET, []).append((cache, identity_id))


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    for cache, identity_id in session.info.pop(_FORGET, []):
        cache.forget(identity_id)


@event.listens_for(Session, "after_soft_rollback")
def _keep_on_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_FORGET, None)
