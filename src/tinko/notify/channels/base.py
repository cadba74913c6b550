"""The one interface every channel implements, and the two ways a send can fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class DeliveryError(Exception):
    """A send that did not happen; `reason` is the provider's own words, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:480]


class TransientFailure(DeliveryError):
    """Worth trying again later: the server was busy, unreachable or said 4xx (SMTP) / 5xx."""


class PermanentFailure(DeliveryError):
    """Trying again will not help: bad address, refused content, number that cannot receive."""


@dataclass(frozen=True)
class Outgoing:
    id: str
    channel: str
    recipient: str
    subject: str
    text: str
    html: str | None
    created_at: datetime
    unsubscribe_url: str | None = None
    provider_template_id: str | None = None
    provider_variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    provider_message_id: str
    status: str = "sent"  # "outbox" when the dev outbox kept it instead


class Channel(Protocol):
    def send(self, message: Outgoing) -> Sent: ...
