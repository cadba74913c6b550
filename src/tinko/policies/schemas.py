"""Request and response bodies of `/v1/retry-policies` (docs/api.md "The endpoint groups").

Types and single-field bounds are checked here; rules that need the whole policy (max delay ≥
initial delay, channels and categories known and unique, windows, strategy vs categories) are
checked by ``service.check_policy`` after a PATCH is merged, so every write sees the same rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from tinko.policies.defaults import (
    MAX_ATTEMPTS,
    MAX_DELAY_MINUTES,
    MAX_MULTIPLIER,
    MAX_WINDOW_DAYS,
    MIN_MULTIPLIER,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Attempts = Annotated[
    StrictInt,
    Field(ge=0, le=MAX_ATTEMPTS, description="Silent retries; 0 means messages only."),
]
Minutes = Annotated[StrictInt, Field(ge=0, le=MAX_DELAY_MINUTES)]
Multiplier = Annotated[
    float, Field(strict=True, ge=MIN_MULTIPLIER, le=MAX_MULTIPLIER, allow_inf_nan=False)
]
WindowDays = Annotated[StrictInt, Field(ge=1, le=MAX_WINDOW_DAYS)]
Word = Annotated[str, StringConstraints(max_length=64)]
Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
MerchantStrategy = Literal["backoff", "payday"]

_WINDOWS_DOC = (
    "Allowed windows for silent retries: `{timezone, preset?, allowed: [{days, start, end}]}`; "
    "preset is anytime, business_hours, weekdays or custom; days 0-6 (0 = Monday) or mon..sun."
)
_CATEGORIES_DOC = "Decline categories this policy applies to; empty means every category."
_STRATEGY_DOC = (
    "backoff (default), or payday: retries on paydays (see paydays), allowed only when "
    "categories are all funds categories (insufficient_funds, limit_exceeded)."
)
_ACTIVE_DOC = (
    "Saving a policy active deactivates the organisation's other active policies whose "
    "categories overlap it (an empty category list overlaps every policy)."
)

_PAYDAYS_DOC = (
    "For payday policies: days of the month (1-31, -1 the last day), or auto: the customer's "
    "country's pay calendar (customer country, else phone, else the org's zone or currency); "
    "null (default) follows the built-in policy (auto)."
)
PayDay = Annotated[StrictInt, Field(ge=-1, le=31)]
Paydays = Literal["auto"] | Annotated[list[PayDay], Field(min_length=1, max_length=31)]

_LEARNED_DOC = (
    "Retry timing that learns from this organisation's own outcomes: Thompson sampling over "
    "retry slots (day offset x hour in the customer's zone) per decline category and rail, "
    "starting from this policy's timing, and for payday policies with paydays auto the "
    "weekday the organisation's customers are paid on; the network rules, windows and caps "
    "still apply."
)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4096)


class QuietHours(StrictModel):
    """No messages between start and end, local to the windows' time zone (may wrap midnight)."""

    start: Clock
    end: Clock


class PolicyIn(StrictModel):
    name: Name
    max_attempts: Attempts
    initial_delay_minutes: Minutes
    backoff_multiplier: Multiplier
    max_delay_minutes: Minutes
    channels: Annotated[list[Word], Field(max_length=10, description="email, sms, whatsapp")]
    windows: Annotated[dict[str, Any], Field(description=_WINDOWS_DOC)]
    window_days: WindowDays
    active: Annotated[StrictBool, Field(description=_ACTIVE_DOC)] = False
    quiet_hours: QuietHours | None = None
    categories: Annotated[list[Word], Field(max_length=50, description=_CATEGORIES_DOC)] = []
    strategy: Annotated[MerchantStrategy, Field(description=_STRATEGY_DOC)] = "backoff"
    learned_timing: Annotated[StrictBool, Field(description=_LEARNED_DOC)] = False
    paydays: Annotated[Paydays | None, Field(description=_PAYDAYS_DOC)] = None


class PolicyPatch(StrictModel):
    """Only the fields sent change; `windows` is replaced whole; `quiet_hours: null` clears."""

    name: Name | None = None
    max_attempts: Attempts | None = None
    initial_delay_minutes: Minutes | None = None
    backoff_multiplier: Multiplier | None = None
    max_delay_minutes: Minutes | None = None
    channels: Annotated[list[Word], Field(max_length=10)] | None = None
    windows: dict[str, Any] | None = None
    window_days: WindowDays | None = None
    active: StrictBool | None = None
    quiet_hours: QuietHours | None = None
    categories: Annotated[list[Word], Field(max_length=50)] | None = None
    strategy: MerchantStrategy | None = None
    learned_timing: StrictBool | None = None
    paydays: Paydays | None = None


class PolicyOut(BaseModel):
    id: str | None
    builtin: bool = False
    name: str
    strategy: str
    max_attempts: int
    initial_delay_minutes: int
    backoff_multiplier: float
    max_delay_minutes: int
    channels: list[str]
    windows: dict[str, Any]
    window_days: int
    active: bool
    quiet_hours: QuietHours | None
    categories: list[str]
    learned_timing: bool = False
    paydays: list[int] | Literal["auto"] | None = None
    # 1 when created, +1 on every save; recovery reasons name it (none for a built-in policy).
    version: int | None = None
    created_at: datetime | None
    updated_at: datetime | None


class ActivePolicyOut(PolicyOut):
    """The policy that applies (to `category`, when given), with what the engine will do."""

    category: str | None
    payment_method_type: str | None
    effective_strategy: str
    silent_retries: bool
    effective_max_attempts: int
    link_after_attempt: int | None
    # Days of the month (-1 the last), or "auto": the customer's pay calendar. Effective:
    # the policy's own, else the category's built-in default.
    paydays: list[int] | Literal["auto"] | None
