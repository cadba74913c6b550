from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tinko.reasons import ReasonCode

# The contract's recovery states (docs/api.md, statuses.CaseStatus): an unknown one is a 422,
# not an empty list.
RecoveryStatusFilter = Literal[
    "pending", "scheduled", "in_progress", "recovered", "exhausted", "cancelled", "expired"
]
RecoverySort = Literal["-created_at", "created_at"]


class TransactionSummary(BaseModel):
    id: str
    transaction_ref: str
    amount: int
    currency: str
    gateway: str
    payment_method_type: str | None


class ReasonOut(BaseModel):
    """Why a step is what it is: a code of the closed set (docs/api.md, "Reasons"), its
    params, and one sentence in the request's language."""

    code: Annotated[
        str,
        Field(
            description="One of a closed set; each code always has the same params.",
            json_schema_extra={"enum": [code.value for code in ReasonCode]},
        ),
    ]
    params: dict[str, Any]
    text: Annotated[str, Field(description="One sentence in the request's language.")]


class AttemptOut(BaseModel):
    id: str
    kind: str
    channel: str | None
    attempt_number: int
    scheduled_for: datetime
    started_at: datetime | None
    finished_at: datetime | None
    outcome: str | None
    detail: str | None
    blocked_by: str | None
    planned_by: str | None
    reason: ReasonOut | None  # null on steps recorded before reasons existed


class MessageOut(BaseModel):
    """A message sent (or held, or cancelled) to the customer about this recovery."""

    id: str
    channel: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    not_before: datetime | None
    reason: ReasonOut | None


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    detail: dict[str, Any]


class RecoveryOut(BaseModel):
    id: str
    status: str
    transaction: TransactionSummary
    classification: dict[str, Any]
    rule_id: str | None
    rule_version: int | None
    policy: str | None
    next_action_at: datetime | None
    expires_at: datetime | None
    attempts: list[AttemptOut]
    messages: list[MessageOut]
    timeline: list[TimelineOut]
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str | None
    reason: ReasonOut | None  # why it closed (or is measured without being worked)


class RecoverySummary(BaseModel):
    id: str
    status: str
    transaction_ref: str
    amount: int
    currency: str
    category: str
    next_action_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    reason: ReasonOut | None


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["email", "sms", "whatsapp"] | None = None


class LinkMessageOut(BaseModel):
    """What became of the message asked for: `queued` (quiet hours may still hold it), or
    `skipped` with the reason (opted out, no contact on the channel, frequency cap)."""

    id: str | None
    status: Literal["queued", "skipped"]
    detail: str
    reason: ReasonOut | None = None  # why it was sent, or why not


class LinkOut(BaseModel):
    url: str
    token: str
    expires_at: datetime
    message: LinkMessageOut | None = None


class PayerView(BaseModel):
    merchant: dict[str, str]
    amount: int
    currency: str
    status: str
    reason: str
    recommended_method: str | None
    alternates: list[str]
    customer_first_name: str | None
    masked_contact: str | None
    expires_at: datetime


class CheckoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["card", "upi", "netbanking", "wallet", "emandate"] | None = None


class CheckoutOut(BaseModel):
    redirect_url: str
