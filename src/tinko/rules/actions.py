"""Rule actions: what a matching rule asks the recovery engine to do.

``retry`` without ``after_minutes``/``window`` leaves timing to the active retry policy;
``send_link`` without ``after_minutes`` sends at once. ``null`` for an optional key is the
same as leaving it out. ``stop`` ends the recovery, so it must be alone or last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Final, TypeAlias

from tinko.rules.errors import ErrorList, Loc, RuleValidationError, show

RETRY_WINDOWS: Final = ("anytime", "business_hours", "weekdays", "payday", "non_peak")
CHANNELS: Final = ("email", "sms", "whatsapp")
OFFER_METHODS: Final = ("card", "upi", "netbanking", "wallet", "emandate")
MAX_ACTIONS: Final = 10
MAX_AFTER_MINUTES: Final = 60 * 24 * 60  # 60 days


@dataclass(frozen=True, slots=True)
class RetryAction:
    type: ClassVar[str] = "retry"
    after_minutes: int | None = None
    window: str | None = None


@dataclass(frozen=True, slots=True)
class SendLinkAction:
    type: ClassVar[str] = "send_link"
    channels: tuple[str, ...]
    after_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class OfferMethodsAction:
    type: ClassVar[str] = "offer_methods"
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotifyMerchantAction:
    type: ClassVar[str] = "notify_merchant"


@dataclass(frozen=True, slots=True)
class StopAction:
    type: ClassVar[str] = "stop"


Action: TypeAlias = (
    RetryAction | SendLinkAction | OfferMethodsAction | NotifyMerchantAction | StopAction
)

# Allowed keys per type (besides "type"), and which of them are required.
_KEYS: Final[Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "retry": (("after_minutes", "window"), ()),
    "send_link": (("channels", "after_minutes"), ("channels",)),
    "offer_methods": (("methods",), ("methods",)),
    "notify_merchant": ((), ()),
    "stop": ((), ()),
}
ACTION_TYPES: Final = tuple(_KEYS)


def action_to_dict(action: Action) -> dict[str, object]:
    """JSON-ready form; ``validate_actions([action_to_dict(a)]) == (a,)``. Omits unset keys."""
    out: dict[str, object] = {"type": action.type}
    if isinstance(action, RetryAction):
        if action.after_minutes is not None:
            out["after_minutes"] = action.after_minutes
        if action.window is not None:
            out["window"] = action.window
    elif isinstance(action, SendLinkAction):
        out["channels"] = list(action.channels)
        if action.after_minutes is not None:
            out["after_minutes"] = action.after_minutes
    elif isinstance(action, OfferMethodsAction):
        out["methods"] = list(action.methods)
    return out


def validate_actions(raw: object, *, loc_prefix: Loc = ("actions",)) -> tuple[Action, ...]:
    """Parse a JSON-like action list, or raise ``RuleValidationError`` with every problem."""
    errors = ErrorList()
    if not isinstance(raw, list | tuple):
        errors.add(loc_prefix, "expected a list of actions")
        raise RuleValidationError(errors.items)
    if not 1 <= len(raw) <= MAX_ACTIONS:
        errors.add(loc_prefix, f"a rule has 1 to {MAX_ACTIONS} actions; got {len(raw)}")
        raise RuleValidationError(errors.items)
    actions: list[Action] = []
    for index, item in enumerate(raw):
        loc = (*loc_prefix, index)
        action = _action(item, loc, errors)
        if action is not None:
            actions.append(action)
        is_stop = isinstance(item, Mapping) and item.get("type") == "stop"
        if is_stop and index != len(raw) - 1:
            errors.add(loc, "'stop' must be the last action: nothing after it would run")
    if errors:
        raise RuleValidationError(errors.items)
    return tuple(actions)


def _action(raw: object, loc: Loc, errors: ErrorList) -> Action | None:
    if not isinstance(raw, Mapping):
        errors.add(loc, "expected an action object with a 'type'")
        return None
    kind = raw.get("type")
    if "type" not in raw:
        errors.add((*loc, "type"), "missing 'type'")
        return None
    if not isinstance(kind, str) or kind not in _KEYS:
        errors.add((*loc, "type"), f"unknown action type {show(kind)}; use one of {_types()}")
        return None
    allowed, required = _KEYS[kind]
    before = len(errors)
    for key in raw:
        if key != "type" and key not in allowed:
            hint = f"allowed: {', '.join(allowed)}" if allowed else "it takes no options"
            errors.add((*loc, str(key)), f"unknown key {show(key)} for '{kind}'; {hint}")
    missing = [key for key in required if key not in raw]
    for key in missing:
        errors.add((*loc, key), "missing")
    if missing:
        return None
    # Check the known keys too, so one response lists every problem.
    action = _build(kind, raw, loc, errors)
    return action if len(errors) == before else None


def _build(kind: str, raw: Mapping[object, object], loc: Loc, errors: ErrorList) -> Action | None:
    before = len(errors)
    if kind == "retry":
        after = _minutes(raw.get("after_minutes"), (*loc, "after_minutes"), errors)
        window = raw.get("window")
        if window is not None and (not isinstance(window, str) or window not in RETRY_WINDOWS):
            errors.add(
                (*loc, "window"),
                f"unknown window {show(window)}; use one of {', '.join(RETRY_WINDOWS)}",
            )
        if len(errors) > before:
            return None
        return RetryAction(after_minutes=after, window=window if isinstance(window, str) else None)
    if kind == "send_link":
        channels = _subset(raw["channels"], CHANNELS, "channel", (*loc, "channels"), errors)
        after = _minutes(raw.get("after_minutes"), (*loc, "after_minutes"), errors)
        if channels is None or len(errors) > before:
            return None
        return SendLinkAction(channels=channels, after_minutes=after)
    if kind == "offer_methods":
        methods = _subset(raw["methods"], OFFER_METHODS, "method", (*loc, "methods"), errors)
        return None if methods is None else OfferMethodsAction(methods=methods)
    return NotifyMerchantAction() if kind == "notify_merchant" else StopAction()


def _minutes(raw: object, loc: Loc, errors: ErrorList) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_AFTER_MINUTES:
        errors.add(loc, f"expected a whole number of minutes from 0 to {MAX_AFTER_MINUTES}")
        return None
    return raw


def _subset(
    raw: object, vocabulary: tuple[str, ...], noun: str, loc: Loc, errors: ErrorList
) -> tuple[str, ...] | None:
    if not isinstance(raw, list | tuple) or not raw:
        errors.add(loc, f"expected a non-empty list; each {noun} one of {', '.join(vocabulary)}")
        return None
    if len(raw) > len(vocabulary):
        # Longer than the vocabulary means a repeat; one error instead of one per item.
        errors.add(loc, f"at most {len(vocabulary)} {noun}s, each once")
        return None
    before = len(errors)
    seen: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, str) or item not in vocabulary:
            errors.add(
                (*loc, index), f"unknown {noun} {show(item)}; use one of {', '.join(vocabulary)}"
            )
        elif item in seen:
            errors.add((*loc, index), f"duplicate {noun} '{item}'")
        else:
            seen.append(item)
    return tuple(seen) if len(errors) == before else None


def _types() -> str:
    return ", ".join(ACTION_TYPES)
