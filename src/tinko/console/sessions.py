"""The console's session cookie: who is signed in, since when, and last seen when.

The cookie holds `user.family.started.seen.mac`, signed with kit.signing. It names a
refresh-token family of the auth service (the same families the API's sign-in makes), so
sign-out, a password reset or removing the user revokes it exactly as it revokes API tokens;
the raw refresh token itself never reaches the browser. Lifetimes (docs/decisions/0006):
idle 30 minutes (renewed by any request a person makes, not by the dashboard's auto-refresh)
and 12 hours from sign-in whatever happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from tinko.kit import signing

COOKIE: Final = "tinko_console"
COOKIE_PATH: Final = "/console"
IDLE: Final = timedelta(minutes=30)
ABSOLUTE: Final = timedelta(hours=12)
# Re-issuing the cookie on every request would only add a header; a minute is precise enough.
RENEW_AFTER: Final = timedelta(minutes=1)
_PURPOSE: Final = "tinko/console-session/v1"
_CSRF_PURPOSE: Final = "tinko/console-csrf/v1"


@dataclass(frozen=True)
class Ticket:
    """The signed content of a session cookie."""

    user_id: str
    family_id: str
    started: int  # unix seconds, sign-in
    seen: int  # unix seconds, the last request a person made

    def body(self) -> str:
        return f"{self.user_id}.{self.family_id}.{self.started}.{self.seen}"

    def expired(self, now: datetime) -> bool:
        at = now.timestamp()
        return at - self.seen > IDLE.total_seconds() or at - self.started > ABSOLUTE.total_seconds()

    def stale(self, now: datetime) -> bool:
        """Old enough to re-issue with `seen` moved to now."""
        return now.timestamp() - self.seen > RENEW_AFTER.total_seconds()

    def seen_at(self, now: datetime) -> Ticket:
        return Ticket(self.user_id, self.family_id, self.started, int(now.timestamp()))

    def max_age(self, now: datetime) -> int:
        """Seconds the browser should keep the cookie: until the absolute end."""
        return max(0, int(self.started + ABSOLUTE.total_seconds() - now.timestamp()))


def new_ticket(user_id: str, family_id: str, now: datetime) -> Ticket:
    at = int(now.timestamp())
    return Ticket(user_id, family_id, at, at)


def encode(secret_key: str, ticket: Ticket) -> str:
    body = ticket.body()
    return f"{body}.{signing.mac(secret_key, _PURPOSE, body)}"


def decode(secret_key: str, value: str | None) -> Ticket | None:
    """The ticket of a cookie we signed, or None (expiry is the caller's question)."""
    if not value or len(value) > 300:
        return None
    parts = value.split(".")
    if len(parts) != 5:
        return None
    user_id, family_id, started, seen, mac = parts
    if not (started.isdigit() and seen.isdigit() and len(started) <= 12 and len(seen) <= 12):
        return None
    body = ".".join(parts[:4])
    if not signing.mac_valid(secret_key, _PURPOSE, body, mac):
        return None
    return Ticket(user_id, family_id, int(started), int(seen))


def csrf_token(secret_key: str, family_id: str) -> str:
    """The session's CSRF token: bound to the session, so it needs no cookie of its own and
    a token from another person's session is worthless."""
    return signing.mac(secret_key, _CSRF_PURPOSE, family_id, size=24)


def csrf_matches(secret_key: str, family_id: str, submitted: str | None) -> bool:
    return bool(submitted) and signing.mac_valid(
        secret_key, _CSRF_PURPOSE, family_id, str(submitted), size=24
    )
