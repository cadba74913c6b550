"""The closed set of reasons: why an attempt or a message was planned, moved, blocked, skipped
or cancelled, and why a case closed.

A reason is ``{"code": ..., "params": {...}}``, stored as JSON beside the row it explains and
rendered into a sentence by ``tinko.reasons.render.explain``. Pure: the decision code builds
reasons from what it decided; the writers store them. Each code names the params it needs
(``PARAMS``); ``make`` refuses a missing or unknown one, so a reason can always be rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final


class ReasonCode(StrEnum):
    # a silent PSP retry was planned ...
    PLANNED_BY_POLICY = "planned_by_policy"  # backoff after the last try
    PLANNED_ON_PAYDAY = "planned_on_payday"
    PLANNED_ON_CALENDAR_PAYDAY = "planned_on_calendar_payday"
    PLANNED_BY_RULE = "planned_by_rule"  # a rule's retry action
    PLANNED_AFTER_COOLDOWN = "planned_after_cooldown"  # the decline's own wait set the time
    PLANNED_AFTER_OUTAGE = "planned_after_outage"  # the bank was down: a short wait, not counted
    PLANNED_LAST_CHANCE = "planned_last_chance"  # the schedule ran past the window: its end
    PLANNED_SPREAD_IN_WINDOW = "planned_spread_in_window"  # no payday left: spread to the end
    PLANNED_SPREAD_UNKNOWN = "planned_spread_unknown"  # unknown decline: spread to the end
    PLANNED_LEARNED_SLOT = "planned_learned_slot"  # learned timing chose the moment
    SHIFTED_TO_WINDOW = "shifted_to_window"  # moved into the allowed retry window
    SHIFTED_BY_NETWORK_RULE = "shifted_by_network_rule"  # moved until a network rule allows it
    RETRY_NOW_BY_MERCHANT = "retry_now_by_merchant"
    HELD_BACK_CHARGE_IN_FLIGHT = "held_back_charge_in_flight"
    HELD_BACK_SPACING = "held_back_spacing"
    HELD_BACK_ISSUER_DOWN = "held_back_issuer_down"
    # a message with a payment link was planned or sent ...
    LINK_BY_RULE = "link_by_rule"
    LINK_HARD_DECLINE = "link_hard_decline"
    LINK_NO_SAVED_METHOD = "link_no_saved_method"
    LINK_CUSTOMER_ONLY_POLICY = "link_customer_only_policy"
    LINK_AFTER_RETRIES = "link_after_retries"
    LINK_RETRIES_OVER = "link_retries_over"
    REMINDER = "reminder"
    SHIFTED_QUIET_HOURS = "shifted_quiet_hours"
    LINK_SENT_BY_MERCHANT = "link_sent_by_merchant"
    # ... or did not happen
    BLOCKED_BY_NETWORK_RULE = "blocked_by_network_rule"
    SKIPPED_OPTED_OUT = "skipped_opted_out"
    SKIPPED_NO_CONTACT = "skipped_no_contact"
    SKIPPED_FREQUENCY_CAP = "skipped_frequency_cap"
    SKIPPED_NOT_RENDERED = "skipped_not_rendered"
    CANCELLED_BY_MERCHANT = "cancelled_by_merchant"
    CANCELLED_RECOVERED = "cancelled_recovered"
    CANCELLED_CASE_CLOSED = "cancelled_case_closed"
    # why a case closed (or was never worked)
    HOLDOUT = "holdout"
    HARD_DECLINE_NO_RETRY = "hard_decline_no_retry"
    RETRIES_EXHAUSTED = "retries_exhausted"
    WINDOW_ENDED = "window_ended"
    STOPPED_BY_RULE = "stopped_by_rule"
    RECOVERED = "recovered"


# Who planned it: the policy (with its version; none for a built-in default) and the matched
# rule, if any. Every planning reason carries these, so the merchant can trace a step back.
BASIS: Final = (
    "policy_id",
    "policy_name",
    "policy_version",
    "rule_id",
    "rule_name",
    "rule_version",
    "category",
)
_RETRY: Final = (*BASIS, "attempt_number")
_LINK: Final = (*BASIS, "channel", "at")

C = ReasonCode
PARAMS: Final[Mapping[ReasonCode, tuple[str, ...]]] = {
    C.PLANNED_BY_POLICY: (*_RETRY, "delay_minutes", "at"),
    C.PLANNED_ON_PAYDAY: (*_RETRY, "at"),
    C.PLANNED_ON_CALENDAR_PAYDAY: (*_RETRY, "at", "calendar", "pattern"),
    C.PLANNED_BY_RULE: (*_RETRY, "delay_minutes", "at"),
    C.PLANNED_AFTER_COOLDOWN: (*_RETRY, "delay_minutes", "at"),
    C.PLANNED_AFTER_OUTAGE: (*_RETRY, "delay_minutes", "at"),
    C.PLANNED_LAST_CHANCE: (*_RETRY, "at", "expires_at"),
    C.PLANNED_SPREAD_IN_WINDOW: (*_RETRY, "at", "retries_left", "expires_at"),
    C.PLANNED_SPREAD_UNKNOWN: (*_RETRY, "at", "retries_left", "expires_at"),
    C.PLANNED_LEARNED_SLOT: (*_RETRY, "at", "slot", "successes", "tries"),
    C.SHIFTED_TO_WINDOW: (*_RETRY, "from", "to", "window", "timezone"),
    C.SHIFTED_BY_NETWORK_RULE: (*_RETRY, "from", "to", "network", "rule"),
    C.RETRY_NOW_BY_MERCHANT: ("at",),
    C.HELD_BACK_CHARGE_IN_FLIGHT: ("until", "waiting_for"),
    C.HELD_BACK_SPACING: ("until", "spacing_minutes"),
    C.HELD_BACK_ISSUER_DOWN: ("until", "issuer", "seen_at"),
    C.LINK_BY_RULE: _LINK,
    C.LINK_HARD_DECLINE: _LINK,
    C.LINK_NO_SAVED_METHOD: _LINK,
    C.LINK_CUSTOMER_ONLY_POLICY: _LINK,
    C.LINK_AFTER_RETRIES: (*_LINK, "retries"),
    C.LINK_RETRIES_OVER: _LINK,
    C.REMINDER: (*_LINK, "previous_at", "gap_hours"),
    C.SHIFTED_QUIET_HOURS: (
        *BASIS,
        "channel",
        "from",
        "to",
        "timezone",
        "quiet_start",
        "quiet_end",
    ),
    C.LINK_SENT_BY_MERCHANT: ("channel",),
    C.BLOCKED_BY_NETWORK_RULE: ("network", "rule", "until", "detail"),
    C.SKIPPED_OPTED_OUT: ("channel",),
    C.SKIPPED_NO_CONTACT: ("channel",),
    C.SKIPPED_FREQUENCY_CAP: ("channel", "limit", "window_hours"),
    C.SKIPPED_NOT_RENDERED: ("channel",),
    C.CANCELLED_BY_MERCHANT: (),
    C.CANCELLED_RECOVERED: ("source",),
    C.CANCELLED_CASE_CLOSED: ("status",),
    C.HOLDOUT: ("percent",),
    C.HARD_DECLINE_NO_RETRY: ("category",),
    C.RETRIES_EXHAUSTED: (*BASIS, "retries"),
    C.WINDOW_ENDED: ("expires_at",),
    C.STOPPED_BY_RULE: BASIS,
    C.RECOVERED: ("source", "amount_minor", "currency", "at"),
}

# Params that hold a moment: stored as ISO-8601 UTC, shown in the reader's time zone.
MOMENTS: Final = frozenset({"at", "from", "to", "until", "previous_at", "expires_at", "seen_at"})
# Params that may be null (a built-in policy has no id or version; no rule matched; a block
# that never ends; a customer-only step has no retry number).
NULLABLE: Final = frozenset({*BASIS, "until", "detail", "attempt_number", "waiting_for"})


class ReasonError(ValueError):
    """A reason built with a missing, unknown or mistyped param: a bug in the caller."""


@dataclass(frozen=True, slots=True)
class Basis:
    """The policy and rule a step follows, as the planner knows them."""

    policy_id: str | None
    policy_name: str | None
    policy_version: int | None
    rule_id: str | None = None
    rule_name: str | None = None
    rule_version: int | None = None
    category: str | None = None

    def params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in BASIS}


Reason = dict[str, Any]  # {"code": str, "params": {str: JSON value}}


def make(code: ReasonCode, basis: Basis | None = None, **params: Any) -> Reason:
    """A reason for ``code``; ``basis`` fills the policy and rule params."""
    wanted = PARAMS[code]
    # Who planned it may be unknown where the step is decided (notify's quiet hours).
    values: dict[str, Any] = dict.fromkeys(name for name in BASIS if name in wanted)
    values.update(basis.params() if basis is not None else {})
    values.update(params)
    missing = [name for name in wanted if name not in values]
    unknown = [name for name in values if name not in wanted]
    if missing or unknown:
        raise ReasonError(f"{code}: missing {missing}, unknown {unknown}")
    out: dict[str, Any] = {}
    for name in wanted:
        value = values[name]
        if value is None and name not in NULLABLE:
            raise ReasonError(f"{code}: {name} may not be null")
        out[name] = _json(name, value)
    return {"code": str(code), "params": out}


def _json(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ReasonError(f"{name} must be an aware datetime")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ReasonError(f"{name}: {type(value).__name__} is not a JSON value")


def is_reason(value: object) -> bool:
    """A stored value that reads as a reason of the closed set (old rows hold None)."""
    if not isinstance(value, Mapping):
        return False
    params: object = value.get("params") or {}
    return value.get("code") in PARAMS and isinstance(params, Mapping)
