"""Who is acting, and from where, for the events written while a request or job runs.

The request middleware starts each request's context (request id, IP, user agent) and the
caller dependency names the actor, so services and the flush watcher record them without
every route passing them down: a new edge (the console) gets the same audit by using the same
dependencies. Code outside a request (jobs, sweeps) acts as the system.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Actor:
    kind: str  # user | api_key | system | anonymous
    id: str | None


SYSTEM = Actor("system", "tinko")
ANONYMOUS = Actor("anonymous", None)


@dataclass(frozen=True)
class Context:
    actor: Actor = SYSTEM
    request_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None


_current: ContextVar[Context | None] = ContextVar("tinko_audit_context", default=None)


def current() -> Context:
    return _current.get() or Context()


def begin_request(request_id: str, ip: str | None, user_agent: str | None) -> None:
    """A new request: no actor known yet (anonymous until the caller is authenticated)."""
    _current.set(Context(ANONYMOUS, request_id, ip, (user_agent or "")[:300] or None))


def set_actor(kind: str, actor_id: str | None) -> None:
    _current.set(replace(current(), actor=Actor(kind, actor_id)))


def end_request() -> None:
    _current.set(None)
