"""The retry-policy editor's form: what the page shows (``PolicyForm``), read from a stored
policy or from a posted form, and turned into the API's fields. Validation is the API's own
(``PolicyIn`` then ``service.check_policy``); its 422 locations become the ids of the controls
they name, so each message shows next to its control and the person's input stays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError

from tinko.classifier import CATEGORIES
from tinko.pages.i18n import N_
from tinko.policies.models import RetryPolicy
from tinko.policies.schemas import PolicyIn
from tinko.policies.service import PolicyInvalid, api_fields, check_policy
from tinko.policies.windows import WEEKDAY_NAMES
from tinko.rules import CHANNELS

# The console's presets; "weekends" is a custom window the page names (the API has no preset).
PRESETS: Final = ("anytime", "business_hours", "weekdays", "weekends", "custom")
WEEKENDS: Final = ({"days": [5, 6], "start": "00:00", "end": "24:00"},)
MAX_ROWS: Final = 14
_INTS: Final = ("max_attempts", "initial_delay_minutes", "max_delay_minutes", "window_days")


@dataclass
class Row:
    days: list[int]
    start: str
    end: str


@dataclass
class PolicyForm:
    """Every control's value as text (what the person typed stays on an error)."""

    name: str = ""
    timezone: str = "UTC"
    preset: str = "business_hours"
    rows: list[Row] = field(default_factory=list)
    quiet: bool = False
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    window_days: str = "28"
    max_attempts: str = "4"
    initial_delay_minutes: str = "1440"
    backoff_multiplier: str = "2"
    max_delay_minutes: str = "10080"
    strategy: str = "backoff"
    channels: dict[str, str] = field(default_factory=dict)  # channel -> position ("" = off)
    categories: list[str] = field(default_factory=list)
    learned_timing: bool = False
    active: bool = False
    paydays: str = ""  # "auto", "1, 15, -1", or "" (the built-in default's)


def new_form(timezone: str) -> PolicyForm:
    return PolicyForm(
        name="", timezone=timezone, channels={"sms": "1", "email": "2"}, rows=[_default_row()]
    )


def _default_row() -> Row:
    return Row([0, 1, 2, 3, 4], "09:00", "18:00")


def form_of(policy: RetryPolicy) -> PolicyForm:
    fields = api_fields(policy)
    windows = fields["windows"]
    allowed = list(windows.get("allowed") or [])
    preset = str(windows.get("preset") or "custom")
    if preset == "custom" and [dict(r) for r in allowed] == [dict(w) for w in WEEKENDS]:
        preset = "weekends"
    rows = (
        [Row(list(r["days"]), r["start"], r["end"]) for r in allowed] if preset == "custom" else []
    )
    quiet = fields["quiet_hours"]
    return PolicyForm(
        name=fields["name"],
        timezone=windows["timezone"],
        preset=preset,
        rows=rows or [_default_row()],
        quiet=quiet is not None,
        quiet_start=quiet["start"] if quiet else "21:00",
        quiet_end=quiet["end"] if quiet else "08:00",
        window_days=str(fields["window_days"]),
        max_attempts=str(fields["max_attempts"]),
        initial_delay_minutes=str(fields["initial_delay_minutes"]),
        backoff_multiplier=f"{fields['backoff_multiplier']:g}",
        max_delay_minutes=str(fields["max_delay_minutes"]),
        strategy=fields["strategy"],
        channels={c: str(i + 1) for i, c in enumerate(fields["channels"])},
        categories=list(fields["categories"]),
        learned_timing=fields["learned_timing"],
        active=fields["active"],
        paydays=_paydays_text(fields["paydays"]),
    )


def read_form(data: Mapping[str, Any], getlist: Any) -> PolicyForm:
    """The posted controls; ``getlist(name)`` gives a repeated field's values."""
    count = min(int_or(data.get("rows"), 0), MAX_ROWS)
    rows = [
        Row(
            sorted({int(d) for d in getlist(f"range-{i}-days") if str(d).isdigit()}),
            str(data.get(f"range-{i}-start", "")),
            str(data.get(f"range-{i}-end", "")),
        )
        for i in range(count)
    ]
    return PolicyForm(
        name=str(data.get("name", "")),
        timezone=str(data.get("timezone", "")).strip(),
        preset=str(data.get("preset", "custom")),
        rows=rows,
        quiet=data.get("quiet") == "on",
        quiet_start=str(data.get("quiet_start", "")),
        quiet_end=str(data.get("quiet_end", "")),
        window_days=str(data.get("window_days", "")),
        max_attempts=str(data.get("max_attempts", "")),
        initial_delay_minutes=str(data.get("initial_delay_minutes", "")),
        backoff_multiplier=str(data.get("backoff_multiplier", "")),
        max_delay_minutes=str(data.get("max_delay_minutes", "")),
        strategy=str(data.get("strategy", "backoff")),
        channels={c: str(data.get(f"channel-{c}", "")) for c in CHANNELS},
        categories=[c for c in getlist("categories") if c in CATEGORIES],
        learned_timing=data.get("learned_timing") == "on",
        paydays=str(data.get("paydays", "")).strip(),
    )


def int_or(value: Any, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def add_row(form: PolicyForm) -> None:
    if len(form.rows) < MAX_ROWS:
        form.rows.append(_default_row())
    form.preset = "custom"


def remove_row(form: PolicyForm, index: int) -> None:
    if 0 <= index < len(form.rows) and len(form.rows) > 1:
        del form.rows[index]


def _windows(form: PolicyForm) -> dict[str, Any]:
    if form.preset == "weekends":
        return {"timezone": form.timezone, "preset": "custom", "allowed": list(WEEKENDS)}
    if form.preset == "custom":
        allowed = [{"days": r.days, "start": r.start, "end": r.end} for r in form.rows]
        return {"timezone": form.timezone, "preset": "custom", "allowed": allowed}
    return {"timezone": form.timezone, "preset": form.preset}


def _paydays_text(value: list[int] | str | None) -> str:
    return ", ".join(str(d) for d in value) if isinstance(value, list) else value or ""


def _paydays_value(text: str, errors: dict[str, str]) -> list[int] | str | None:
    """The text box as the API's value: "" the built-in default's, "auto", or days."""
    if text.lower() in ("", "auto"):
        return text.lower() or None
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        errors["paydays"] = 'must be "auto" or days of the month separated by commas'
        return None


def _channels(form: PolicyForm, errors: dict[str, str]) -> list[str]:
    chosen = [(p, c) for c, p in form.channels.items() if p]
    positions = [p for p, _ in chosen]
    if len(set(positions)) != len(positions):
        errors["channels"] = "two channels have the same position"
    return [c for _, c in sorted(chosen)]


def to_fields(form: PolicyForm, active: bool) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The API's normalised column values (``check_policy``), or the errors by control id."""
    errors: dict[str, str] = {}
    raw: dict[str, Any] = {
        "name": form.name,
        "strategy": form.strategy,
        "channels": _channels(form, errors),
        "windows": _windows(form),
        "active": active,
        "quiet_hours": {"start": form.quiet_start, "end": form.quiet_end} if form.quiet else None,
        "categories": form.categories,
        "learned_timing": form.learned_timing,
        "paydays": _paydays_value(form.paydays, errors),
    }
    for name in _INTS:
        try:
            raw[name] = int(getattr(form, name))
        except ValueError:
            errors[name] = "must be a whole number"
    try:
        raw["backoff_multiplier"] = float(form.backoff_multiplier)
    except ValueError:
        errors["backoff_multiplier"] = "must be a number"
    if errors:
        return None, errors
    try:
        return check_policy(PolicyIn.model_validate(raw).model_dump()), {}
    except ValidationError as exc:
        return None, {control_id(e["loc"]): e["msg"] for e in reversed(exc.errors())}
    except PolicyInvalid as exc:
        found = exc.errors or []
        return None, {control_id(e["loc"][1:]): e["msg"] for e in reversed(found)}


def control_id(loc: Sequence[Any]) -> str:
    """A 422 location (without "body") → the id of the control that shows it."""
    parts = [str(p) for p in loc]
    if parts[:2] == ["windows", "allowed"] and len(parts) >= 4:
        return f"range-{parts[2]}-{parts[3]}"
    if parts[:1] == ["windows"] and len(parts) >= 2 and parts[1] in ("timezone", "preset"):
        return parts[1]
    if parts[:1] == ["windows"]:
        return "preset"
    if parts[:1] == ["quiet_hours"]:
        return f"quiet_{parts[1]}" if len(parts) > 1 else "quiet_start"
    return parts[0] if parts else "name"


# Day labels in WEEKDAY_NAMES order (0 = Monday); N_ so the catalogs hold them.
DAY_NAMES: Final = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
assert len(DAY_NAMES) == len(WEEKDAY_NAMES)
